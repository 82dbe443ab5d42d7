package dev.verity.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

/**
 * The request path's profile in a few lines per service: of a recording's CPU samples
 * ({@code jdk.ExecutionSample}), the share whose stack passes through each of a fixed set of
 * known costs (inclusive: a sample of RSA arithmetic under token verification counts for "JWT
 * verification"), then the top self frames. {@code java -cp bench/target/bench.jar
 * dev.verity.bench.JfrTop bench/results/raw/jfr/*.jfr}; bench/README.md's "Request path profile"
 * tables come from it.
 */
public final class JfrTop {

    /**
     * Cost name → frame prefixes (a frame's class.method starts with one). A sample counts for the
     * cost of the topmost frame that matches one, so the shares add up to 100 %: RSA arithmetic
     * under token verification counts for "JWT verification", Jackson under the REST server for
     * "JSON". The "on the stack" share counts every sample with a matching frame anywhere.
     */
    private static final Map<String, List<String>> COSTS = new LinkedHashMap<>();

    static {
        COSTS.put("JWT verification (smallrye-jwt, jose4j, RSA)", List.of("io.smallrye.jwt.", "org.jose4j.",
                "sun.security.rsa.", "io.quarkus.smallrye.jwt.", "dev.verity.runtime.security."));
        COSTS.put("JSON (Jackson)", List.of("com.fasterxml.jackson."));
        COSTS.put("logging", List.of("org.jboss.logmanager.", "org.jboss.logging.", "io.quarkus.logging."));
        COSTS.put("metrics (Micrometer)", List.of("io.micrometer.", "io.quarkus.micrometer."));
        COSTS.put("Redis client", List.of("io.vertx.redis.", "io.quarkus.redis."));
        COSTS.put("PostgreSQL client", List.of("io.vertx.pgclient.", "io.vertx.sqlclient."));
        COSTS.put("class loading / zip", List.of("java.util.zip.", "jdk.internal.loader.", "io.quarkus.bootstrap.",
                "java.lang.ClassLoader."));
        COSTS.put("rate limiter", List.of("dev.verity.gateway.ratelimit."));
        COSTS.put("authenticity guard", List.of("dev.verity.gateway.guard."));
        COSTS.put("event log / events", List.of("dev.verity.gateway.events."));
        COSTS.put("usage events (cascade)", List.of("dev.verity.cascade.service.UsageRecorder"));
        COSTS.put("status (poll, reporter)", List.of("dev.verity.gateway.status.", "dev.verity.runtime.status."));
        COSTS.put("other Verity code", List.of("dev.verity."));
        COSTS.put("security (Quarkus)", List.of("io.quarkus.security.", "io.quarkus.vertx.http.runtime.security."));
        COSTS.put("REST client", List.of("org.jboss.resteasy.reactive.client.", "io.quarkus.rest.client."));
        COSTS.put("REST server (resteasy-reactive)", List.of("org.jboss.resteasy.reactive.", "io.quarkus.resteasy.reactive."));
        COSTS.put("CDI / context propagation", List.of("io.quarkus.arc.", "io.smallrye.context."));
        COSTS.put("Mutiny", List.of("io.smallrye.mutiny."));
        COSTS.put("socket I/O (NIO)", List.of("sun.nio.ch.", "java.nio."));
        COSTS.put("Netty / Vert.x (HTTP codec, event loop)", List.of("io.netty.", "io.vertx."));
    }

    private JfrTop() {
    }

    /** {@code [--after 2026-12-03T17:45:00Z] file.jfr...}: only samples after that instant (the load, not the start). */
    public static void main(String[] args) throws IOException {
        java.time.Instant after = java.time.Instant.EPOCH;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--after")) {
                after = java.time.Instant.parse(args[++i]);
            } else {
                System.out.println(summarize(Path.of(args[i]), after));
            }
        }
    }

    static String summarize(Path file, java.time.Instant after) throws IOException {
        Map<String, Integer> onStack = new LinkedHashMap<>();
        Map<String, Integer> inclusive = new LinkedHashMap<>();
        Map<String, Integer> self = new LinkedHashMap<>();
        String service = "?";
        int samples = 0;
        try (RecordingFile recording = new RecordingFile(file)) {
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                String type = event.getEventType().getName();
                if (type.equals("jdk.JVMInformation")) {
                    service = serviceOf(event.getString("javaArguments") + " " + event.getString("jvmArguments"));
                }
                if (!type.equals("jdk.ExecutionSample") || event.getStackTrace() == null || event.getStartTime().isBefore(after)) {
                    continue;
                }
                samples++;
                List<RecordedFrame> frames = event.getStackTrace().getFrames();
                if (!frames.isEmpty()) {
                    self.merge(name(frames.get(0).getMethod()), 1, Integer::sum);
                }
                Set<String> seen = new HashSet<>();
                String attributed = null;
                for (RecordedFrame frame : frames) {
                    String name = name(frame.getMethod());
                    for (Map.Entry<String, List<String>> cost : COSTS.entrySet()) {
                        if (cost.getValue().stream().anyMatch(name::startsWith)) {
                            seen.add(cost.getKey());
                            if (attributed == null) {
                                attributed = cost.getKey();
                            }
                            break;
                        }
                    }
                }
                inclusive.merge(attributed == null ? "other (JDK)" : attributed, 1, Integer::sum);
                seen.forEach(cost -> onStack.merge(cost, 1, Integer::sum));
            }
        }
        StringBuilder out = new StringBuilder("### " + service + " (" + file.getFileName() + "): " + samples + " CPU samples\n\n");
        out.append("| cost (topmost matching frame) | share | on the stack |\n|---|---|---|\n");
        int total = Math.max(1, samples);
        inclusive.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(e -> out.append("| ").append(e.getKey()).append(" | ")
                        .append(String.format("%.1f %%", 100.0 * e.getValue() / total)).append(" | ")
                        .append(String.format("%.1f %%", 100.0 * onStack.getOrDefault(e.getKey(), 0) / total)).append(" |\n"));
        out.append("\ntop self frames: ");
        self.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(8)
                .forEach(e -> out.append(e.getKey()).append(String.format(" %.1f %%; ", 100.0 * e.getValue() / total)));
        return out.append('\n').toString();
    }

    private static String name(RecordedMethod method) {
        return method.getType().getName() + "." + method.getName();
    }

    private static String serviceOf(String arguments) {
        for (String module : dev.verity.local.PackagedStack.MODULES) {
            if (arguments.contains(module)) {
                return module;
            }
        }
        return arguments.length() > 60 ? arguments.substring(0, 60) : arguments;
    }
}
