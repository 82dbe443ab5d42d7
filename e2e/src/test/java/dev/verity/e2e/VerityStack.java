package dev.verity.e2e;

import dev.verity.local.Endpoints;
import dev.verity.local.JwtKeys;
import dev.verity.local.LocalPostgres;
import dev.verity.local.LocalRedis;
import dev.verity.local.PostgresEndpoint;
import dev.verity.local.ServiceProcess;
import dev.verity.local.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole system for the e2e suites: its own embedded PostgreSQL and Redis (so faults can be
 * switched), WireMock as the provider with two models (small = tier 1, large = tier 2), and the
 * four services as real processes on free ports. One per test JVM; everything is stopped when
 * the JVM exits, even after a failed test.
 */
public final class VerityStack {

    public static final String ISSUER = "https://verity.e2e";
    public static final String CASCADE = "llm-cascade-service";
    public static final String DATA = "data-agent-service";
    public static final String AGENT = "execution-agent-service";
    public static final String GATEWAY = "gateway";
    private static VerityStack instance;

    private final Path work;
    private final ProviderStub provider;
    private final LocalPostgres postgres;
    private final LocalRedis redis;
    private final Tokens tokens;
    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();

    private VerityStack() throws IOException {
        Path root = ServiceProcess.repoRoot();
        work = Files.createDirectories(root.resolve("e2e/target/stack"));
        provider = new ProviderStub();
        postgres = LocalPostgres.embedded(work.resolve("postgres"), Endpoints.freePort());
        PostgresEndpoint pg = postgres.database("verity");
        redis = LocalRedis.startEmbedded(Endpoints.freePort());
        JwtKeys keys = JwtKeys.temporary();
        tokens = new Tokens(keys, ISSUER);

        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String name : List.of(CASCADE, DATA, AGENT, GATEWAY)) {
            ports.put(name, Endpoints.freePort());
        }
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", pg.reactiveUrl());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", pg.jdbcUrl());
        env.put("QUARKUS_DATASOURCE_USERNAME", pg.user());
        env.put("QUARKUS_DATASOURCE_PASSWORD", pg.password());
        env.put("QUARKUS_REDIS_HOSTS", redis.endpoint().url());
        env.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", keys.publicKeyPem().toUri().toString());
        env.put("MP_JWT_VERIFY_ISSUER", ISSUER);
        env.put("QUARKUS_REST_CLIENT_LLM_CASCADE_URL", "http://localhost:" + ports.get(CASCADE));
        env.put("QUARKUS_REST_CLIENT_DATA_AGENT_URL", "http://localhost:" + ports.get(DATA));
        env.put("QUARKUS_REST_CLIENT_EXECUTION_AGENT_URL", "http://localhost:" + ports.get(AGENT));
        env.put("VERITY_STATUS_REFRESH_INTERVAL", "1s");
        model(env, "small", 1, "0.15", "0.60");
        model(env, "large", 2, "2.50", "10.00");

        for (Map.Entry<String, Integer> entry : ports.entrySet()) {
            services.put(entry.getKey(), new ServiceProcess(entry.getKey(), ServiceProcess.runnerOf(root, entry.getKey()),
                    entry.getValue(), env, work.resolve("logs").resolve(entry.getKey() + ".log"),
                    List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")).start());
        }
        for (ServiceProcess service : services.values()) {
            service.awaitReady(Duration.ofMinutes(3));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "verity-e2e-stop"));
    }

    private void model(Map<String, String> env, String name, int tier, String inputPrice, String outputPrice) {
        String prefix = "VERITY_MODELS_" + name.toUpperCase() + "_";
        String key = "sk-e2e-" + name + "-secret-key";
        env.put(prefix + "BASE_URL", provider.baseUrl(name));
        env.put(prefix + "API_KEY", key);
        env.put(prefix + "TIER", Integer.toString(tier));
        env.put(prefix + "INPUT_USD_PER_MTOK", inputPrice);
        env.put(prefix + "OUTPUT_USD_PER_MTOK", outputPrice);
        env.put(prefix + "TIMEOUT", "2s");
        Scanner.forbid(key);
        Scanner.forbid(provider.origin());
    }

    public static synchronized VerityStack get() {
        if (instance == null) {
            try {
                instance = new VerityStack();
            } catch (IOException e) {
                throw new IllegalStateException("e2e stack did not start", e);
            }
        }
        return instance;
    }

    public ProviderStub provider() {
        return provider;
    }

    public Tokens tokens() {
        return tokens;
    }

    public ServiceProcess service(String name) {
        return services.get(name);
    }

    public String gateway() {
        return services.get(GATEWAY).url();
    }

    public Map<String, ServiceProcess> services() {
        return services;
    }

    private void stopAll() {
        services.values().forEach(service -> service.stop(Duration.ofSeconds(5)));
        provider.close();
        try {
            redis.close();
            postgres.close();
        } catch (IOException e) {
            System.err.println("e2e: stopping embedded servers: " + e.getMessage());
        }
    }
}
