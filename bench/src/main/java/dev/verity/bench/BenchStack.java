package dev.verity.bench;

import dev.verity.local.AotCache;
import dev.verity.local.Endpoints;
import dev.verity.local.JwtKeys;
import dev.verity.local.LocalPostgres;
import dev.verity.local.LocalRedis;
import dev.verity.local.PackagedStack;
import dev.verity.local.PostgresEndpoint;
import dev.verity.local.ServiceProcess;
import dev.verity.local.TestUser;
import dev.verity.local.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The system under test, started as for e2e: its own embedded PostgreSQL and Redis, a JWT key
 * pair made for the run, the four packaged services as processes, and the provider stand-in as
 * the only model host. Two models: {@code fast} (tier 1, the stand-in) and {@code dead} (tier 2,
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

    private final LocalPostgres postgres;
    private final LocalRedis redis;
    private final Tokens tokens;
    private final PackagedStack services;

    BenchStack(Path work, ProviderStandIn provider, List<String> extraJvmArgs, Map<String, String> extraEnv,
               AotCache.Use aot) throws IOException {
        Path root = ServiceProcess.repoRoot();
        Path postgresDir = work.resolve("postgres");
        deleteRecursively(postgresDir);
        postgres = LocalPostgres.embedded(postgresDir, Endpoints.freePort());
        PostgresEndpoint pg = postgres.database("verity");
        redis = LocalRedis.startEmbedded(Endpoints.freePort());
        JwtKeys keys = JwtKeys.temporary();
        tokens = new Tokens(keys, ISSUER);

        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", pg.reactiveUrl());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", pg.jdbcUrl());
        env.put("QUARKUS_DATASOURCE_USERNAME", pg.user());
        env.put("QUARKUS_DATASOURCE_PASSWORD", pg.password());
        env.put("QUARKUS_REDIS_HOSTS", redis.endpoint().url());
        env.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", keys.publicKeyPem().toUri().toString());
        env.put("MP_JWT_VERIFY_ISSUER", ISSUER);
        env.put("QUARKUS_HTTP_ACCESS_LOG_ENABLED", "false");
        env.put("VERITY_STATUS_REFRESH_INTERVAL", "1s");
        env.put("VERITY_STATUS_POLL_INTERVAL", "1s");
        for (String tier : List.of("FREE", "EARLY", "MID", "ENTERPRISE")) {
            env.put("VERITY_RATE_LIMIT_REQUESTS_" + tier, "100000000");
        }
        env.put("VERITY_CASCADE_BREAKER_REQUEST_VOLUME_THRESHOLD", "4");
        env.put("VERITY_CASCADE_BREAKER_DELAY", "1h");
        model(env, FAST, provider.baseUrl(FAST), 1);
        model(env, PACED, provider.baseUrl(PACED), 3);
        // Experiments (before/after a configuration change) come last, so they win.
        env.putAll(extraEnv);
        model(env, DEAD, "http://127.0.0.1:" + Endpoints.freePort() + "/v1", 2);
        // What a pod with the deploy/ limits (512 Mi, 1 CPU) gets: a bounded heap and the serial collector.
        List<String> jvmArgs = new java.util.ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC"));
        jvmArgs.addAll(extraJvmArgs);
        services = PackagedStack.start(root, env, jvmArgs, work.resolve("logs"), Duration.ofMinutes(3), aot);
    }

    private static void model(Map<String, String> env, String name, String baseUrl, int tier) {
        String prefix = "VERITY_MODELS_" + name.toUpperCase() + "_";
        env.put(prefix + "BASE_URL", baseUrl);
        env.put(prefix + "TIER", Integer.toString(tier));
        env.put(prefix + "INPUT_USD_PER_MTOK", "0.15");
        env.put(prefix + "OUTPUT_USD_PER_MTOK", "0.60");
        env.put(prefix + "TIMEOUT", "5s");
        // The bulkhead is not what P1/P2 measure: room for every request in flight at 3,000/s.
        env.put(prefix + "MAX_CONCURRENCY", "1024");
    }

    PackagedStack services() {
        return services;
    }

    ServiceProcess service(String module) {
        return services.service(module);
    }

    String gateway() {
        return services.service(PackagedStack.GATEWAY).url();
    }

    /** A mid-tier user: failures get tier handling without a support ticket per request. */
    String token(String user) {
        return tokens.mint(TestUser.of(user, "org-bench", "mid"), Duration.ofHours(2));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    @Override
    public void close() {
        services.close();
        try {
            redis.close();
            postgres.close();
        } catch (IOException e) {
            System.err.println("bench: stopping embedded servers: " + e.getMessage());
        }
    }
}
