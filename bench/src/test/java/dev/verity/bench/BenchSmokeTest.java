package dev.verity.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.local.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The CI smoke mode: every scenario at tiny scale against the real packaged stack, writing to
 * bench/target/smoke-results. It asserts that each scenario produced numbers and the files exist,
 * never a timing: figures from a shared CI machine are not verdicts.
 */
class BenchSmokeTest {

    @Test
    void everyScenarioProducesNumbersAndTheFilesAreWritten() throws Exception {
        Path out = ServiceProcess.repoRoot().resolve("bench/target/smoke-results");
        // A fresh AOT cache is used, none is trained: training costs a minute that CI does not need to spend.
        Path report = Bench.run(Profile.smoke(), out, Set.of(), false, java.util.Map.of(), dev.verity.local.AotCache.Use.USE);

        String table = Files.readString(report);
        for (String scenario : Bench.ids().split(",")) {
            assertThat(table).as("a row of %s with a number", scenario)
                    .containsPattern("\\| " + scenario + " [^|]*\\| [^|]*\\| [^|]*\\| [^|]*[0-9]");
        }
        assertThat(table).doesNotContain("failed:");
        assertThat(out.resolve("p1-latency.png")).isNotEmptyFile();
        // P8 timed real streams both ways: first content and last byte, direct and through Verity.
        for (String target : new String[] {"direct", "verity"}) {
            assertThat(out.resolve("raw/p8-" + target + "-rep1-first-token.hgrm")).isNotEmptyFile();
            assertThat(out.resolve("raw/p8-" + target + "-rep1-last-byte.hgrm")).isNotEmptyFile();
        }
        assertThat(table).containsPattern("\\| P8 time to first token p50 [^|]*\\| provider stream direct \\| [0-9.]+ ms");
        try (var raw = Files.list(out.resolve("raw"))) {
            assertThat(raw.filter(file -> file.getFileName().toString().endsWith(".hgrm")).count()).isGreaterThan(5);
        }
    }
}
