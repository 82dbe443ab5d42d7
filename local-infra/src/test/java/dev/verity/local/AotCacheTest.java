package dev.verity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When a launch uses, trains or ignores a service's AOT cache: the options it gets on this JDK. */
class AotCacheTest {

    @TempDir
    Path app;

    private Path runner() throws IOException {
        Files.createDirectories(app.resolve("lib/main"));
        Files.writeString(app.resolve("lib/main/dep.jar"), "dependency");
        return Files.writeString(app.resolve("quarkus-run.jar"), "runner");
    }

    @Test
    void withoutACacheTheLaunchTrainsOneOnJdk25AndGetsNothingBefore() throws IOException {
        Path runner = runner();
        if (AotCache.supported()) {
            assertThat(AotCache.options(runner, AotCache.Use.USE_OR_TRAIN))
                    .containsExactly("-XX:AOTCacheOutput=" + AotCache.file(runner));
        } else {
            // JDK 21 and older refuse to start with -XX:AOT options: none may be passed.
            assertThat(AotCache.options(runner, AotCache.Use.USE_OR_TRAIN)).isEmpty();
        }
        assertThat(AotCache.options(runner, AotCache.Use.USE)).isEmpty();
        assertThat(AotCache.options(runner, AotCache.Use.OFF)).isEmpty();
    }

    @Test
    void aCacheMarkedTrainedIsUsedUntilAJarChanges() throws IOException {
        Path runner = runner();
        Files.writeString(AotCache.file(runner), "cache written by the training run's JVM");
        AotCache.trained(runner);
        assertThat(AotCache.fresh(runner)).isTrue();
        if (AotCache.supported()) {
            assertThat(AotCache.options(runner, AotCache.Use.USE)).containsExactly("-XX:AOTCache=" + AotCache.file(runner));
        }

        Path dependency = app.resolve("lib/main/dep.jar");
        Files.writeString(dependency, "dependency, rebuilt");
        Files.setLastModifiedTime(dependency, FileTime.from(Instant.now().plusSeconds(5)));

        assertThat(AotCache.fresh(runner)).isFalse();
        assertThat(AotCache.options(runner, AotCache.Use.USE)).isEmpty();
        if (AotCache.supported()) {
            assertThat(AotCache.options(runner, AotCache.Use.USE_OR_TRAIN))
                    .containsExactly("-XX:AOTCacheOutput=" + AotCache.file(runner));
            assertThat(AotCache.file(runner)).as("the stale cache is removed before the new training run").doesNotExist();
        }
    }

    @Test
    void aTrainingRunThatWroteNoCacheLeavesNothingMarkedFresh() throws IOException {
        Path runner = runner();
        AotCache.trained(runner);
        assertThat(AotCache.fresh(runner)).isFalse();
        assertThat(AotCache.options(runner, AotCache.Use.USE)).isEmpty();
    }

    @Test
    void aCacheWithoutItsKeyIsNotTrusted() throws IOException {
        Path runner = runner();
        Files.writeString(AotCache.file(runner), "a cache of unknown origin");
        assertThat(AotCache.fresh(runner)).isFalse();
        assertThat(AotCache.isTraining(AotCache.options(runner, AotCache.Use.USE_OR_TRAIN)))
                .isEqualTo(AotCache.supported());
    }
}
