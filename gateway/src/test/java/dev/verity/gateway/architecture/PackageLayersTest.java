package dev.verity.gateway.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's packages depend one way: a package may use packages of its own layer or below,
 * never above, and no two packages reach each other through any path. Read from the sources
 * (every {@code dev.verity.gateway.<package>.} reference, imports and fully qualified names alike).
 */
class PackageLayersTest {

    /** Bottom to top; see docs/architecture.md. */
    private static final List<Set<String>> LAYERS = List.of(
            Set.of("config"),
            Set.of("routing", "notices", "chat"),
            Set.of("status", "client", "admission", "guard", "ratelimit", "tier"),
            Set.of("pipeline"),
            Set.of("rest", "events", "console"));

    private static final Path SOURCES = Path.of("src/main/java/dev/verity/gateway");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.verity\\.gateway\\.(\\w+)\\.");

    private static final Map<String, Set<String>> USES = new TreeMap<>();

    @BeforeAll
    static void readSources() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path relative = SOURCES.relativize(file);
                String from = relative.getNameCount() > 1 ? relative.getName(0).toString() : "";
                Matcher matcher = REFERENCE.matcher(Files.readString(file));
                while (matcher.find()) {
                    if (!matcher.group(1).equals(from)) {
                        USES.computeIfAbsent(from, k -> new TreeSet<>()).add(matcher.group(1));
                    }
                }
            }
        }
    }

    @Test
    void everyPackageHasALayer() {
        Set<String> packages = new TreeSet<>(USES.keySet());
        USES.values().forEach(packages::addAll);
        packages.remove("");
        assertThat(packages).allSatisfy(p -> assertThat(layerOf(p)).as("layer of package %s", p).isNotNegative());
    }

    @Test
    void noPackageUsesALayerAboveIt() {
        List<String> upward = new ArrayList<>();
        USES.forEach((from, targets) -> targets.stream()
                .filter(to -> !from.isEmpty() && layerOf(to) > layerOf(from))
                .forEach(to -> upward.add(from + " -> " + to)));
        assertThat(upward).isEmpty();
    }

    @Test
    void noTwoPackagesReachEachOther() {
        List<String> cycles = new ArrayList<>();
        for (String start : USES.keySet()) {
            if (!start.isEmpty() && reaches(start, start, new HashSet<>())) {
                cycles.add(start);
            }
        }
        assertThat(cycles).as("packages on a dependency cycle").isEmpty();
    }

    @Test
    void theCheckSeesTheGatewaysRealDependencies() {
        // Guards the reader above: if the source path or the pattern broke, every other test here would pass vacuously.
        assertThat(USES.get("pipeline")).contains("routing", "admission", "tier");
        assertThat(USES.get("rest")).contains("pipeline");
    }

    private static boolean reaches(String from, String target, Set<String> visited) {
        for (String next : USES.getOrDefault(from, Set.of())) {
            if (next.equals(target) || (visited.add(next) && reaches(next, target, visited))) {
                return true;
            }
        }
        return false;
    }

    private static int layerOf(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        return -1;
    }
}
