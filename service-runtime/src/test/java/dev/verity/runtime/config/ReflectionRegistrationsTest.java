package dev.verity.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.contract.Problem;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A wire type added to the contract must not be forgotten in the native-image registrations:
 * every record and enum of {@code dev.verity.contract}, nested ones included, as the contract's
 * compiled classes list them, is a target of {@link ReflectionRegistrations}.
 */
class ReflectionRegistrationsTest {

    @Test
    void everyContractRecordAndEnumIsRegistered() throws Exception {
        List<Class<?>> wireTypes = contractClasses().stream()
                .filter(type -> type.isRecord() || type.isEnum())
                .toList();
        assertThat(wireTypes).as("the scan finds the contract").contains(Problem.class, dev.verity.contract.DataSource.Kind.class);
        assertThat(wireTypes.size()).isGreaterThan(15);

        Set<Class<?>> registered = Set.of(ReflectionRegistrations.class.getAnnotation(RegisterForReflection.class).targets());
        assertThat(registered).containsAll(wireTypes);
    }

    /** Every class under dev/verity/contract where the contract's classes come from (directory or jar). */
    private static List<Class<?>> contractClasses() throws IOException, URISyntaxException {
        Path location = Path.of(Problem.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(location)) {
            return classesUnder(location.resolve("dev/verity/contract"), location);
        }
        try (FileSystem jar = FileSystems.newFileSystem(location, Map.of())) {
            return classesUnder(jar.getPath("/dev/verity/contract"), jar.getPath("/"));
        }
    }

    private static List<Class<?>> classesUnder(Path folder, Path root) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.map(file -> root.relativize(file).toString())
                    .filter(name -> name.endsWith(".class") && !name.equals("module-info.class"))
                    .map(name -> name.substring(0, name.length() - ".class".length()).replace('/', '.'))
                    .map(ReflectionRegistrationsTest::load)
                    .collect(Collectors.toList());
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ReflectionRegistrationsTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(name, e);
        }
    }
}
