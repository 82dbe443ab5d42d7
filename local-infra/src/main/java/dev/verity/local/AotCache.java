package dev.verity.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A service's JDK AOT cache (Project Leyden: classes loaded and linked, method profiles and
 * compiled code, JEP 483/514/515), {@code app.aot} next to its packaged runner. Quarkus packages
 * the services as {@code aot-jar} (every class on the application class path, which the cache
 * needs); the cache itself comes from a training run: a launch with {@code -XX:AOTCacheOutput}
 * writes it when that process exits. The cache is tied to the jars and the JVM that made it, so
 * {@code app.aot.key} records both, and a cache whose key does not match the jars and the JVM
 * of this launch is not used. On a JDK before 25 nothing is passed at all: those JVMs refuse to
 * start with an option they do not know, and a service must never fail to start for a cache.
 */
public final class AotCache {

    /** What a launch does with the cache. */
    public enum Use {
        /** No AOT options. */
        OFF,
        /** The cache when it is fresh; nothing otherwise. */
        USE,
        /** The cache when it is fresh; otherwise this run is the training run that writes it. */
        USE_OR_TRAIN
    }

    /** JDK 25: {@code -XX:AOTCacheOutput} (one-step training) and method profiles in the cache. */
    private static final int FIRST_FEATURE = 25;

    private AotCache() {
    }

    public static boolean supported() {
        return Runtime.version().feature() >= FIRST_FEATURE;
    }

    public static Path file(Path runnerJar) {
        return runnerJar.resolveSibling("app.aot");
    }

    private static Path keyFile(Path runnerJar) {
        return runnerJar.resolveSibling("app.aot.key");
    }

    /** The cache exists and was made from these very jars by this very JVM. */
    public static boolean fresh(Path runnerJar) {
        try {
            return Files.isRegularFile(file(runnerJar)) && Files.isRegularFile(keyFile(runnerJar))
                    && Files.readString(keyFile(runnerJar)).equals(key(runnerJar));
        } catch (IOException e) {
            return false;
        }
    }

    /** The JVM options for one launch; training when they contain {@code -XX:AOTCacheOutput}. */
    public static List<String> options(Path runnerJar, Use use) {
        if (use == Use.OFF || !supported()) {
            return List.of();
        }
        if (fresh(runnerJar)) {
            return List.of("-XX:AOTCache=" + file(runnerJar));
        }
        if (use == Use.USE) {
            return List.of();
        }
        try {
            Files.deleteIfExists(keyFile(runnerJar));
            Files.deleteIfExists(file(runnerJar));
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove the stale AOT cache of " + runnerJar, e);
        }
        return List.of("-XX:AOTCacheOutput=" + file(runnerJar));
    }

    public static boolean isTraining(List<String> options) {
        return options.stream().anyMatch(option -> option.startsWith("-XX:AOTCacheOutput="));
    }

    /** After a training run's process ended: the cache it wrote is marked fresh (none written: nothing). */
    public static void trained(Path runnerJar) {
        if (!Files.isRegularFile(file(runnerJar))) {
            return;
        }
        try {
            Files.writeString(keyFile(runnerJar), key(runnerJar));
        } catch (IOException e) {
            throw new UncheckedIOException("could not record the AOT cache of " + runnerJar, e);
        }
    }

    /** The JVM (vendor, version) and every jar of the packaged application (path, size, modification time). */
    static String key(Path runnerJar) throws IOException {
        Path app = runnerJar.getParent();
        StringBuilder key = new StringBuilder(System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.version") + "\n");
        try (Stream<Path> files = Files.walk(app)) {
            for (Path jar : files.filter(path -> path.toString().endsWith(".jar")).sorted().toList()) {
                key.append(app.relativize(jar)).append(' ').append(Files.size(jar)).append(' ')
                        .append(Files.getLastModifiedTime(jar).toMillis()).append('\n');
            }
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
