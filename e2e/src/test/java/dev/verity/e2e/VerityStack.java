package dev.verity.e2e;

import dev.verity.local.PackagedStack;
import dev.verity.local.ServiceProcess;
import dev.verity.local.SystemStack;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole system for the e2e suites ({@link SystemStack}, as the bench runs it): its own embedded
 * PostgreSQL and Redis (so faults can be switched), WireMock as the provider with two models
 * (small = tier 1, large = tier 2), and the four services as real processes on free ports. One per
 * test JVM; everything is stopped when the JVM exits, even after a failed test.
 */
public final class VerityStack {

    public static final String ISSUER = "https://verity.e2e";
    public static final String CASCADE = PackagedStack.CASCADE;
    public static final String DATA = PackagedStack.DATA;
    public static final String AGENT = PackagedStack.AGENT;
    public static final String GATEWAY = PackagedStack.GATEWAY;
    private static VerityStack instance;

    private final ProviderStub provider;
    private final OtlpReceiver traces;
    private final SystemStack stack;
    private final Map<String, Price> prices = new LinkedHashMap<>();

    /** A model's configured price, USD per million tokens. */
    public record Price(java.math.BigDecimal inputUsdPerMtok, java.math.BigDecimal outputUsdPerMtok) {
    }

    /** One row of the data agent's {@code llm_calls}; token counts and cost are null when unknown. */
    public record RecordedCall(String model, Integer promptTokens, Integer completionTokens,
                               java.math.BigDecimal costUsd, String outcome) {
    }

    private VerityStack() throws IOException {
        Path work = Files.createDirectories(ServiceProcess.repoRoot().resolve("e2e/target/stack"));
        provider = new ProviderStub();
        traces = new OtlpReceiver();
        SystemStack.Builder builder = SystemStack.builder(work, ISSUER)
                // Tracing on, as an operator turns it on: an OTLP endpoint (the test's receiver), spans flushed quickly.
                .env("QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT", traces.endpoint())
                .env("QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                .env("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")
                .env("QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "200ms")
                .env("VERITY_TIER_HANDLING_WEBHOOK_URL", provider.supportWebhookUrl())
                .env("VERITY_TIER_HANDLING_WEBHOOK_BACKOFF", "200ms")
                // Breaker behaviour is proven in the cascade's own tests; here one suite's faults must not
                // leave a model skipped for the next suite.
                .env("VERITY_CASCADE_BREAKER_REQUEST_VOLUME_THRESHOLD", "100000")
                // Every suite sends many requests per user; rate limiting is proven in the gateway's tests.
                .rateLimits(100_000)
                // Restarted by the usage suite: it must come back with its streams, as a production Redis does.
                .durableRedis()
                .jvmArgs(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        // Users are sent to this stack's own status page, so a test can follow the link it was given.
        builder.env("VERITY_STATUS_PAGE_URL", builder.url(GATEWAY) + "/status");
        // Context windows small enough that a 30,000-character prompt fits neither model.
        model(builder, "small", 1, "0.15", "0.60", 4096);
        model(builder, "large", 2, "2.50", "10.00", 6000);
        stack = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "verity-e2e-stop"));
    }

    private void model(SystemStack.Builder builder, String name, int tier, String inputPrice, String outputPrice,
                       int contextWindow) {
        String key = "sk-e2e-" + name + "-secret-key";
        builder.model(name, provider.baseUrl(name), tier, inputPrice, outputPrice)
                .modelSetting(name, "API_KEY", key)
                .modelSetting(name, "TIMEOUT", "2s")
                .modelSetting(name, "CONTEXT_WINDOW", Integer.toString(contextWindow));
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
        return stack.tokens();
    }

    public ServiceProcess service(String name) {
        return stack.service(name);
    }

    public String gateway() {
        return stack.gateway();
    }

    /**
     * Waits until every model serves again through the cascade (a 429 with Retry-After makes the
     * cascade skip a model until then): suites call it after switching faults off.
     */
    public void awaitModelsServe() {
        provider.reset();
        String token = stack.tokens().mint(dev.verity.local.TestUser.of("e2e-probe", "org-e2e-probe", "mid"));
        for (String model : List.of("small", "large")) {
            provider.answers(model, "probe answer from " + model);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Http.post(
                    stack.service(CASCADE).url() + "/v1/chat/completions", token,
                    "{\"model\":\"" + model + "\",\"fallback\":\"deny\",\"messages\":[{\"role\":\"user\",\"content\":\"probe\"}]}")
                    .status() == 200);
        }
        provider.reset();
    }

    /** The database fault switch: PostgreSQL stops (every service loses it at once). */
    public void postgresDown() {
        stack.postgresDown();
    }

    /** PostgreSQL comes back on the same port with the same data. */
    public void postgresUp() {
        stack.postgresUp();
    }

    /** Redis stops as a crash or an upgrade would: every service loses its connections at once. */
    public void redisDown() {
        stack.redisDown();
    }

    /** Redis comes back on the same port with what it had written to its append-only file. */
    public void redisUp() {
        stack.redisUp();
    }

    /** Whether the gateway counted this request in this support incident. */
    public boolean supportTicketExists(String ticketId, String requestId) {
        return count("SELECT count(*) FROM gateway.incidents WHERE id = ? AND ? = ANY(request_ids)", ticketId, requestId) == 1;
    }

    /** The state of this support incident ({@code open}, {@code resolved}), its resolution and occurrences. */
    public String incidentState(String ticketId) {
        try (Connection db = db();
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
        try (Connection db = db();
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
        return stack.redis();
    }

    private Connection db() throws SQLException {
        var pg = stack.database();
        return DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    }

    /** One number from the stack's PostgreSQL (the first column of the first row). */
    public long count(String sql, Object... params) {
        try (Connection db = db();
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
        try (Connection db = db();
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
        try (Connection db = db();
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
        return stack.services().services();
    }

    private void stopAll() {
        stack.close();
        provider.close();
    }
}
