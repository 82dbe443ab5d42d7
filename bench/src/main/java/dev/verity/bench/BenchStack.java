package dev.verity.bench;

import dev.verity.local.AotCache;
import dev.verity.local.Endpoints;
import dev.verity.local.PackagedStack;
import dev.verity.local.ServiceProcess;
import dev.verity.local.SystemStack;
import dev.verity.local.TestUser;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The system under test, started as e2e starts it ({@link SystemStack}): its own embedded
 * PostgreSQL and Redis, a JWT key pair made for the run, the four packaged services as processes,
 * and the provider stand-in as the only model host. Two models: {@code fast} (tier 1, the stand-in) and {@code dead} (tier 2,
 * a port nothing listens on) for the breaker scenario, and {@code paced} (tier 3, the stand-in
 * streaming at a provider's pace) for the streaming scenario. Differences from the shipped defaults, all
 * so that the bench measures the request path and not a limit: rate limits raised, request
 * logging off, status polled every second (as e2e does), the dead model's breaker opens after 4
 * calls and stays open for the whole run.
 */
final class BenchStack implements AutoCloseable {

    static final String ISSUER = "https://verity.bench";
    static final String FAST = "fast";
    static final String DEAD = "dead";
    /** P8's streams: the stand-in paces streams on this model's path. Tier 3, so neither "auto" nor a fallback picks it. */
    static final String PACED = "paced";

    private final SystemStack stack;

    BenchStack(Path work, ProviderStandIn provider, List<String> extraJvmArgs, Map<String, String> extraEnv,
               AotCache.Use aot) throws IOException {
        SystemStack.Builder builder = SystemStack.builder(work, ISSUER)
                .env("QUARKUS_HTTP_ACCESS_LOG_ENABLED", "false")
                .rateLimits(100_000_000)
                .env("VERITY_CASCADE_BREAKER_REQUEST_VOLUME_THRESHOLD", "4")
                .env("VERITY_CASCADE_BREAKER_DELAY", "1h");
        model(builder, FAST, provider.baseUrl(FAST), 1);
        model(builder, PACED, provider.baseUrl(PACED), 3);
        // Experiments (before/after a configuration change) come last, so they win.
        builder.env(extraEnv);
        model(builder, DEAD, "http://127.0.0.1:" + Endpoints.freePort() + "/v1", 2);
        // What a pod with the deploy/ limits (512 Mi, 1 CPU) gets: a bounded heap and the serial collector.
        stack = builder.jvmArgs(List.of("-Xmx256m", "-XX:+UseSerialGC")).jvmArgs(extraJvmArgs).aot(aot).start();
    }

    private static void model(SystemStack.Builder builder, String name, String baseUrl, int tier) {
        builder.model(name, baseUrl, tier, "0.15", "0.60")
                .modelSetting(name, "TIMEOUT", "5s")
                // The bulkhead is not what P1/P2 measure: room for every request in flight at 3,000/s.
                .modelSetting(name, "MAX_CONCURRENCY", "1024");
    }

    PackagedStack services() {
        return stack.services();
    }

    ServiceProcess service(String module) {
        return stack.service(module);
    }

    String gateway() {
        return stack.gateway();
    }

    /** A mid-tier user: failures get tier handling without a support ticket per request. */
    String token(String user) {
        return stack.tokens().mint(TestUser.of(user, "org-bench", "mid"), Duration.ofHours(2));
    }

    @Override
    public void close() {
        stack.close();
    }
}
