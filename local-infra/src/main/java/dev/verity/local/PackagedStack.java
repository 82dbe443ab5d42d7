package dev.verity.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The four services as real processes from their packaged runners, on free ports, wired to each
 * other: what e2e and the bench both need. The caller brings PostgreSQL, Redis, JWT verification
 * and models through {@code env}; this class adds the ports, the service-to-service URLs and,
 * unless {@code env} has them, receipt keys made for this JVM ({@link #receiptKeys}).
 * Start and restart report the time from process launch to {@code /q/health/ready} UP, polled
 * every 10 ms so the figure is worth reporting.
 */
public final class PackagedStack implements AutoCloseable {

    public static final String CASCADE = "llm-cascade-service";
    public static final String DATA = "data-agent-service";
    public static final String AGENT = "execution-agent-service";
    public static final String GATEWAY = "gateway";
    /** Start order: downstreams first, so the gateway meets them ready. */
    public static final List<String> MODULES = List.of(CASCADE, DATA, AGENT, GATEWAY);

    private static final ReceiptKeys RECEIPT_KEYS = ReceiptKeys.temporary();

    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
    private final Map<String, Duration> startedIn = new LinkedHashMap<>();

    private PackagedStack() {
    }

    /** Starts every service at once and waits until all are ready. */
    public static PackagedStack start(Path repoRoot, Map<String, String> env, List<String> jvmArgs, Path logDir,
                                      Duration timeout) {
        return start(repoRoot, env, jvmArgs, logDir, timeout, AotCache.Use.OFF);
    }

    /** As {@link #start(Path, Map, List, Path, Duration)}, each service using its AOT cache as {@code aot} says. */
    public static PackagedStack start(Path repoRoot, Map<String, String> env, List<String> jvmArgs, Path logDir,
                                      Duration timeout, AotCache.Use aot) {
        return start(repoRoot, env, jvmArgs, logDir, timeout, aot, freePorts());
    }

    /** A free port for each service, taken before the start so that {@code env} can name a service's own URL. */
    public static Map<String, Integer> freePorts() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        MODULES.forEach(module -> ports.put(module, Endpoints.freePort()));
        return ports;
    }

    /** As {@link #start(Path, Map, List, Path, Duration, AotCache.Use)} on the given ports ({@link #freePorts}). */
    public static PackagedStack start(Path repoRoot, Map<String, String> env, List<String> jvmArgs, Path logDir,
                                      Duration timeout, AotCache.Use aot, Map<String, Integer> ports) {
        Map<String, String> wired = new HashMap<>(env);
        // Receipt keys of the stack's own unless the caller brought some (docs/receipts.md).
        RECEIPT_KEYS.env().forEach(wired::putIfAbsent);
        wired.put("QUARKUS_REST_CLIENT_LLM_CASCADE_URL", "http://localhost:" + ports.get(CASCADE));
        wired.put("QUARKUS_REST_CLIENT_DATA_AGENT_URL", "http://localhost:" + ports.get(DATA));
        wired.put("QUARKUS_REST_CLIENT_EXECUTION_AGENT_URL", "http://localhost:" + ports.get(AGENT));
        PackagedStack stack = new PackagedStack();
        Map<String, Long> launched = new LinkedHashMap<>();
        for (String module : MODULES) {
            ServiceProcess process = new ServiceProcess(module, ServiceProcess.runnerOf(repoRoot, module),
                    ports.get(module), wired, logDir.resolve(module + ".log"), jvmArgs).aotCache(aot);
            launched.put(module, System.nanoTime());
            stack.services.put(module, process.start());
        }
        for (String module : MODULES) {
            stack.startedIn.put(module, awaitReady(stack.services.get(module), launched.get(module), timeout));
        }
        return stack;
    }

    /** Stops the service (SIGTERM), starts it again and returns its time from launch to ready. */
    public Duration restart(String module, Duration timeout) {
        ServiceProcess process = services.get(module);
        process.stop(Duration.ofSeconds(15));
        long launched = System.nanoTime();
        process.start();
        return awaitReady(process, launched, timeout);
    }

    /** Starts a service that was stopped or killed; returns its time from launch to ready. */
    public Duration startAgain(String module, Duration timeout) {
        long launched = System.nanoTime();
        services.get(module).start();
        return awaitReady(services.get(module), launched, timeout);
    }

    private static Duration awaitReady(ServiceProcess process, long launchedNanos, Duration timeout) {
        long deadline = launchedNanos + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(process.name() + " exited; see " + process.logFile());
            }
            if (process.isReady()) {
                return Duration.ofNanos(System.nanoTime() - launchedNanos);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + process.name(), e);
            }
        }
        throw new IllegalStateException(process.name() + " not ready after " + timeout + "; see " + process.logFile());
    }

    /** The receipt keys the stacks of this JVM use unless given others. */
    public static ReceiptKeys receiptKeys() {
        return RECEIPT_KEYS;
    }

    public ServiceProcess service(String module) {
        return services.get(module);
    }

    /** Every service by module name, in start order. */
    public Map<String, ServiceProcess> services() {
        return java.util.Collections.unmodifiableMap(services);
    }

    /** Time from launch to ready of each service when the stack started (all four at once). */
    public Map<String, Duration> startedIn() {
        return Map.copyOf(startedIn);
    }

    @Override
    public void close() {
        List<String> reversed = MODULES.reversed();
        reversed.forEach(module -> services.get(module).stop(Duration.ofSeconds(10)));
    }
}
