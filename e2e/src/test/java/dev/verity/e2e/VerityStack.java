package dev.verity.e2e;

import dev.verity.local.Endpoints;
import dev.verity.local.JwtKeys;
import dev.verity.local.LocalPostgres;
import dev.verity.local.LocalRedis;
import dev.verity.local.PostgresEndpoint;
import dev.verity.local.ServiceProcess;
import dev.verity.local.Tokens;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
    private final OtlpReceiver traces;
    private final Path postgresDir;
    private final int postgresPort;
    private LocalPostgres postgres;
    private final Path redisDir;
    private final int redisPort;
    private LocalRedis redis;
    private final Tokens tokens;
    private final PostgresEndpoint pg;
    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
    private final Map<String, Price> prices = new LinkedHashMap<>();

    /** A model's configured price, USD per million tokens. */
    public record Price(java.math.BigDecimal inputUsdPerMtok, java.math.BigDecimal outputUsdPerMtok) {
    }

    /** One row of the data agent's {@code llm_calls}; token counts and cost are null when unknown. */
    public record RecordedCall(String model, Integer promptTokens, Integer completionTokens,
                               java.math.BigDecimal costUsd, String outcome) {
    }

    private VerityStack() throws IOException {
        Path root = ServiceProcess.repoRoot();
        work = Files.createDirectories(root.resolve("e2e/target/stack"));
        provider = new ProviderStub();
        traces = new OtlpReceiver();
        postgresDir = work.resolve("postgres");
        deleteRecursively(postgresDir);
        postgresPort = Endpoints.freePort();
        postgres = LocalPostgres.embedded(postgresDir, postgresPort);
        pg = postgres.database("verity");
        redisDir = work.resolve("redis");
        deleteRecursively(redisDir);
        redisPort = Endpoints.freePort();
        redis = LocalRedis.startDurable(redisPort, redisDir);
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
        env.putAll(dev.verity.local.PackagedStack.receiptKeys().env());
        env.put("QUARKUS_REST_CLIENT_LLM_CASCADE_URL", "http://localhost:" + ports.get(CASCADE));
        env.put("QUARKUS_REST_CLIENT_DATA_AGENT_URL", "http://localhost:" + ports.get(DATA));
        env.put("QUARKUS_REST_CLIENT_EXECUTION_AGENT_URL", "http://localhost:" + ports.get(AGENT));
        env.put("VERITY_STATUS_REFRESH_INTERVAL", "1s");
        // Tracing on, as an operator turns it on: an OTLP endpoint (the test's receiver), spans flushed quickly.
        env.put("QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT", traces.endpoint());
        env.put("QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        env.put("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf");
        env.put("QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "200ms");
        env.put("VERITY_STATUS_POLL_INTERVAL", "1s");
        // Users are sent to this stack's own status page, so a test can follow the link it was given.
        env.put("VERITY_STATUS_PAGE_URL", "http://localhost:" + ports.get(GATEWAY) + "/status");
        env.put("VERITY_TIER_HANDLING_WEBHOOK_URL", provider.supportWebhookUrl());
        env.put("VERITY_TIER_HANDLING_WEBHOOK_BACKOFF", "200ms");
        // Breaker behaviour is proven in the cascade's own tests; here one suite's faults must not
        // leave a model skipped for the next suite.
        env.put("VERITY_CASCADE_BREAKER_REQUEST_VOLUME_THRESHOLD", "100000");
        // Every suite sends many requests per user; rate limiting is proven in the gateway's tests.
        for (String tier : List.of("FREE", "EARLY", "MID", "ENTERPRISE")) {
            env.put("VERITY_RATE_LIMIT_REQUESTS_" + tier, "100000");
        }
        // Context windows small enough that a 30,000-character prompt fits neither model.
        model(env, "small", 1, "0.15", "0.60", 4096);
        model(env, "large", 2, "2.50", "10.00", 6000);

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

    private void model(Map<String, String> env, String name, int tier, String inputPrice, String outputPrice,
                       int contextWindow) {
        String prefix = "VERITY_MODELS_" + name.toUpperCase() + "_";
        String key = "sk-e2e-" + name + "-secret-key";
        env.put(prefix + "BASE_URL", provider.baseUrl(name));
        env.put(prefix + "API_KEY", key);
        env.put(prefix + "TIER", Integer.toString(tier));
        env.put(prefix + "INPUT_USD_PER_MTOK", inputPrice);
        env.put(prefix + "OUTPUT_USD_PER_MTOK", outputPrice);
        env.put(prefix + "TIMEOUT", "2s");
        env.put(prefix + "CONTEXT_WINDOW", Integer.toString(contextWindow));
        // The data agent re-prices recorded calls for cost analysis with the same price table.
        env.put("VERITY_PRICES_" + name.toUpperCase() + "_INPUT_USD_PER_MTOK", inputPrice);
        env.put("VERITY_PRICES_" + name.toUpperCase() + "_OUTPUT_USD_PER_MTOK", outputPrice);
        prices.put(name, new Price(new java.math.BigDecimal(inputPrice), new java.math.BigDecimal(outputPrice)));
        Scanner.forbid(key);
        Scanner.forbid(provider.origin());
    }

    public static synchronized VerityStack get() {
        if (instance == null) {
            try {
                instance = new VerityStack();
                // Every AI answer any suite receives is then checked against the published keys only.
                Scanner.trust(dev.verity.contract.receipt.ReceiptVerifier.fromJwks(
                        Http.get(instance.gateway() + "/.well-known/verity/receipt-keys", null).body()));
            } catch (IOException e) {
                throw new IllegalStateException("e2e stack did not start", e);
            }
        }
        return instance;
    }

    public ProviderStub provider() {
        return provider;
    }

    /** The spans every service exported. */
    public OtlpReceiver traces() {
        return traces;
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

    /**
     * Waits until every model serves again through the cascade (a 429 with Retry-After makes the
     * cascade skip a model until then): suites call it after switching faults off.
     */
    public void awaitModelsServe() {
        provider.reset();
        String token = tokens.mint(dev.verity.local.TestUser.of("e2e-probe", "org-e2e-probe", "mid"));
        for (String model : List.of("small", "large")) {
            provider.answers(model, "probe answer from " + model);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Http.post(
                    services.get(CASCADE).url() + "/v1/chat/completions", token,
                    "{\"model\":\"" + model + "\",\"fallback\":\"deny\",\"messages\":[{\"role\":\"user\",\"content\":\"probe\"}]}")
                    .status() == 200);
        }
        provider.reset();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** The database fault switch: PostgreSQL stops (every service loses it at once). */
    public synchronized void postgresDown() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new IllegalStateException("could not stop PostgreSQL", e);
        }
    }

    /** Stops Redis as a crash or an upgrade would: every service loses its connections at once. */
    public synchronized void redisDown() {
        try {
            redis.close();
        } catch (IOException e) {
            throw new IllegalStateException("could not stop Redis", e);
        }
    }

    /** Redis comes back on the same port with what it had written to its append-only file. */
    public synchronized void redisUp() {
        redis = LocalRedis.startDurable(redisPort, redisDir);
    }

    /** PostgreSQL comes back on the same port with the same data. */
    public synchronized void postgresUp() {
        postgres = LocalPostgres.embedded(postgresDir, postgresPort);
    }

    /** Whether the gateway counted this request in this support incident. */
    public boolean supportTicketExists(String ticketId, String requestId) {
        return count("SELECT count(*) FROM gateway.incidents WHERE id = ? AND ? = ANY(request_ids)", ticketId, requestId) == 1;
    }

    /** The state of this support incident ({@code open}, {@code resolved}), its resolution and occurrences. */
    public String incidentState(String ticketId) {
        try (Connection db = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             PreparedStatement query = db.prepareStatement(
                     "SELECT state, resolution, occurrences FROM gateway.incidents WHERE id = ?")) {
            query.setString(1, ticketId);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? rows.getString(1) + " " + rows.getString(2) + " " + rows.getLong(3) : "absent";
            }
        } catch (SQLException e) {
            throw new IllegalStateException("incident lookup failed", e);
        }
    }

    /** How many support incidents the gateway ever opened for this organisation. */
    public int incidentsOf(String orgId) {
        return count("SELECT count(*) FROM gateway.incidents WHERE org_id = ?", orgId);
    }

    private int count(String sql, String... params) {
        try (Connection db = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             PreparedStatement query = db.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                query.setString(i + 1, params[i]);
            }
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("incident lookup failed", e);
        }
    }

    /** The stack's Redis, for looking at the usage streams as an operator would. */
    public dev.verity.local.RedisEndpoint redis() {
        return redis.endpoint();
    }

    /** One number from the stack's PostgreSQL (the first column of the first row). */
    public long count(String sql, Object... params) {
        try (Connection db = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             PreparedStatement query = db.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                query.setObject(i + 1, params[i]);
            }
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("query failed: " + sql, e);
        }
    }

    /** One statement against the stack's PostgreSQL; the number of rows it changed. */
    public int execute(String sql, Object... params) {
        try (Connection db = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("statement failed: " + sql, e);
        }
    }

    /** The models' configured prices (cascade and data agent alike). */
    public Map<String, Price> prices() {
        return Map.copyOf(prices);
    }

    /** Every call the data agent recorded for this org, straight from PostgreSQL. */
    public List<RecordedCall> recordedCalls(String orgId) {
        try (Connection db = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
             PreparedStatement query = db.prepareStatement("""
                     SELECT model, prompt_tokens, completion_tokens, cost_usd, outcome
                     FROM telemetry.llm_calls WHERE org_id = ? ORDER BY created_at, id""")) {
            query.setString(1, orgId);
            List<RecordedCall> calls = new java.util.ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    calls.add(new RecordedCall(rows.getString(1), (Integer) rows.getObject(2), (Integer) rows.getObject(3),
                            rows.getBigDecimal(4), rows.getString(5)));
                }
            }
            return calls;
        } catch (SQLException e) {
            throw new IllegalStateException("llm_calls lookup failed", e);
        }
    }

    /** How many support incidents count this request. */
    public int supportTicketsFor(String requestId) {
        return count("SELECT count(*) FROM gateway.incidents WHERE ? = ANY(request_ids)", requestId);
    }

    /** Whether support was told this incident opened. */
    public boolean supportTicketNotified(String ticketId) {
        return count("SELECT count(*) FROM gateway.incidents WHERE id = ? AND opened_notified_at IS NOT NULL", ticketId) == 1;
    }

    /** Whether support was told this incident resolved. */
    public boolean incidentResolveNotified(String ticketId) {
        return count("SELECT count(*) FROM gateway.incidents WHERE id = ? AND resolved_notified_at IS NOT NULL", ticketId) == 1;
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
