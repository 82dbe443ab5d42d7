package dev.verity.data;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.Money;
import dev.verity.contract.UsageEvent;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Usage accounting is exact: the cascade's cost code, the stream encoding, the data agent's
 * validation and storage agree on every cost to the last digit; what cannot be stored is counted,
 * shown as incomplete coverage, and can be re-driven. Its own database and Redis index, because
 * the rejections it makes on purpose turn the status degraded for an hour.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_data_exact"), @ResourceArg(name = "redis-db", value = "5")})
class ExactUsageTest {

    private static final String STREAM = "verity:usage";
    private static final String DEAD = "verity:usage:dead";
    private static final Instant FROM = Instant.parse("2026-08-01T00:00:00Z");
    private static final int CASES = 3000;

    @Inject
    RedisDataSource redis;

    /** The application's own mapper: the cascade writes usage events with the same configuration. */
    @Inject
    ObjectMapper json;

    private StreamCommands<String, String, String> streams() {
        return redis.stream(String.class, String.class, String.class);
    }

    @Test
    void everyCostTheCascadeComputesIsStoredExactlyAndNoneIsRejected() throws Exception {
        String org = TestCalls.org("org-exact");
        Random random = new Random(18);
        List<String> ids = new ArrayList<>();
        List<String> costs = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            int prompt = tokens(random);
            int completion = tokens(random);
            BigDecimal input = price(random);
            BigDecimal output = price(random);
            BigDecimal cost = Money.callCost(prompt, completion, input, output);
            String id = "exact-" + i + "-" + UUID.randomUUID();
            UsageEvent event = new UsageEvent(id, org, "u-exact", "req-" + i, "m" + (i % 5), "openai-compatible",
                    prompt, completion, cost, 10 + i % 900, UsageEvent.Outcome.SUCCESS, null, false, false,
                    FROM.plusSeconds(i));
            streams().xadd(STREAM, Map.of(UsageEvent.STREAM_FIELD, json.writeValueAsString(event)));
            ids.add(id);
            // Tokens × price, written out in full: the digits PostgreSQL must hold.
            costs.add(input.multiply(BigDecimal.valueOf(prompt)).add(output.multiply(BigDecimal.valueOf(completion)))
                    .movePointLeft(6).setScale(Money.SCALE).toPlainString());
        }

        await().atMost(Duration.ofSeconds(120)).until(() -> count(org) == CASES);

        try (Connection conn = connect(); PreparedStatement st = conn.prepareStatement("""
                SELECT count(*) FILTER (WHERE c.cost_usd = e.cost::numeric AND c.cost_usd::text = e.cost),
                       count(*)
                FROM telemetry.llm_calls c JOIN unnest(?::text[], ?::text[]) AS e(id, cost) ON c.id = e.id
                WHERE c.org_id = ?""")) {
            Array idArray = conn.createArrayOf("text", ids.toArray());
            Array costArray = conn.createArrayOf("text", costs.toArray());
            st.setArray(1, idArray);
            st.setArray(2, costArray);
            st.setString(3, org);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(2)).isEqualTo(CASES);
                assertThat(rs.getLong(1)).as("rows whose cost_usd equals tokens × price to the last digit")
                        .isEqualTo(CASES);
            }
        }
        assertThat(longValue("SELECT count(*) FROM telemetry.usage_rejections WHERE org_id = ?", org))
                .isZero();
        JsonNode metrics = post("/v1/metrics/query", org, """
                {"metrics": ["cost_usd"], "from": "%s", "to": "%s", "bucket": "P1D"}"""
                .formatted(FROM, FROM.plus(Duration.ofDays(1))), 200);
        assertThat(metrics.at("/coverage/calls_recorded").asLong()).isEqualTo(CASES);
        assertThat(metrics.at("/coverage/calls_rejected").asLong()).isZero();
        assertThat(metrics.get("degraded").asBoolean()).isFalse();
        BigDecimal total = costs.stream().map(BigDecimal::new).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(metrics.at("/series/0/buckets/0/value").decimalValue()).isEqualTo(total);
    }

    @Test
    void aCostBeyondTwelvePlacesSentByACallerIsRefusedNamingTheRowAndField() {
        String org = TestCalls.org("org-strict");
        String body = """
                {"calls": [
                  {"id": "a", "model": "m", "provider": "p", "cost_usd": 0.000000150000, "latency_ms": 5,
                   "outcome": "success", "created_at": "2026-08-01T00:00:00Z"},
                  {"id": "b", "model": "m", "provider": "p", "cost_usd": 0.0000001500001, "latency_ms": 5,
                   "outcome": "success", "created_at": "2026-08-01T00:00:00Z"}]}""";

        JsonNode problem = post("/v1/usage", org, body, 422);

        assertThat(problem.at("/errors/0/row").asInt()).isEqualTo(1);
        assertThat(problem.at("/errors/0/field").asText()).isEqualTo("cost_usd");
        assertThat(problem.at("/errors/0/reason").asText()).isEqualTo("must have at most 12 decimal places");
        assertThat(problem.get("errors")).hasSize(1);
        assertThat(count(org)).isZero();

        post("/v1/usage", org, body.replace("0.0000001500001", "0.000000150001"), 201);
        assertThat(rows(org)).extracting(r -> ((BigDecimal) r.get("cost_usd")).toPlainString())
                .containsExactly("0.000000150000", "0.000000150001");
    }

    @Test
    void aCostWrittenBeforeMoneyWasExactIsStoredAsTheDecimalItMeant() throws Exception {
        String org = TestCalls.org("org-legacy");
        ObjectNode event = event(org, "legacy-" + UUID.randomUUID(), FROM);
        // What the cascade wrote when cost was a double: 10 × 0.15 / 1e6 + 15 × 0.6 / 1e6.
        event.put("cost_usd", 10 * 0.15 / 1e6 + 15 * 0.6 / 1e6);
        assertThat(event.toString()).contains("1.0500000000000001E-5");

        streams().xadd(STREAM, Map.of(UsageEvent.STREAM_FIELD, event.toString()));

        await().atMost(Duration.ofSeconds(30)).until(() -> count(org) == 1);
        assertThat(((BigDecimal) rows(org).getFirst().get("cost_usd")).toPlainString())
                .isEqualTo("0.000010500000");
    }

    @Test
    void aRejectedEventIsCountedAndMarksEveryResultOverItsWindowIncomplete() {
        String org = TestCalls.org("org-rejected");
        Instant at = FROM.plus(Duration.ofDays(3));
        ObjectNode broken = event(org, "broken-" + UUID.randomUUID(), at);
        broken.put("cost_usd", new BigDecimal("-0.5"));
        String brokenId = streams().xadd(STREAM, Map.of(UsageEvent.STREAM_FIELD, broken.toString()));
        streams().xadd(STREAM, Map.of(UsageEvent.STREAM_FIELD, event(org, "fine-" + UUID.randomUUID(),
                at.plusSeconds(1)).toString()));

        await().atMost(Duration.ofSeconds(30)).until(() -> count(org) == 1
                && longValue("SELECT count(*) FROM telemetry.usage_rejections WHERE source_id = ?", brokenId) == 1);

        String window = "\"from\": \"%s\", \"to\": \"%s\"".formatted(at.minus(Duration.ofHours(1)), at.plus(Duration.ofHours(1)));
        JsonNode metrics = post("/v1/metrics/query", org, "{\"metrics\": [\"cost_usd\", \"latency_ms\"], " + window
                + ", \"bucket\": \"PT1H\"}", 200);
        assertThat(metrics.at("/coverage/calls_recorded").asLong()).isEqualTo(1);
        assertThat(metrics.at("/coverage/calls_rejected").asLong()).isEqualTo(1);
        assertThat(metrics.get("degraded").asBoolean()).isTrue();

        JsonNode cost = post("/v1/cost-analysis", org, "{" + window + "}", 200);
        assertThat(cost.at("/coverage/calls_rejected").asLong()).isEqualTo(1);
        assertThat(cost.get("degraded").asBoolean()).isTrue();
        assertThat(cost.get("basis").asText()).contains("1 usage event(s) of this window were rejected");

        // A window without the rejected event is complete.
        JsonNode later = post("/v1/metrics/query", org, """
                {"metrics": ["cost_usd"], "from": "%s", "to": "%s", "bucket": "PT1H"}"""
                .formatted(at.plus(Duration.ofHours(2)), at.plus(Duration.ofHours(3))), 200);
        assertThat(later.at("/coverage/calls_rejected").asLong()).isZero();
        assertThat(later.get("degraded").asBoolean()).isFalse();
        // Another org's results never count this org's rejections.
        JsonNode stranger = post("/v1/metrics/query", TestCalls.org("org-stranger"), "{\"metrics\": [\"cost_usd\"], "
                + window + ", \"bucket\": \"PT1H\"}", 200);
        assertThat(stranger.at("/coverage/calls_rejected").asLong()).isZero();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode status = TestCalls.parse(given().when().get("/v1/status").then().extract().asString());
            assertThat(status.get("status").asText()).isEqualTo("degraded");
            assertThat(status.get("reason").asText()).containsPattern("\\d+ usage event\\(s\\) rejected in the last hour");
        });
        assertThat(given().when().get("/q/metrics").then().statusCode(200).extract().asString())
                .containsPattern("verity_usage_dead_letters_total\\{[^}]*reason=\"invalid_cost_usd\"[^}]*} [1-9]");
    }

    @Test
    void operatorsReDriveDeadLettersOnceAndSeeWhatIsStillRejected() throws Exception {
        String org = TestCalls.org("org-redrive");
        ObjectNode legacy = event(org, "legacy-dead-" + UUID.randomUUID(), FROM.plus(Duration.ofDays(5)));
        legacy.put("cost_usd", 10 * 0.15 / 1e6 + 15 * 0.6 / 1e6);
        // As the data agent dead-lettered it before money was exact; twice, as a redelivered entry would be.
        for (int copy = 0; copy < 2; copy++) {
            streams().xadd(DEAD, Map.of("source_id", "1700000000000-" + copy + "-" + org,
                    "reason", "cost_usd: must have at most 9 decimal places", UsageEvent.STREAM_FIELD, legacy.toString()));
        }
        String poison = streams().xadd(STREAM, Map.of(UsageEvent.STREAM_FIELD, "{not json " + org));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                longValue("SELECT count(*) FROM telemetry.usage_rejections WHERE source_id = ?", poison) == 1);
        long deadBefore = streams().xlen(DEAD);

        // Not an operator: refused, nothing changes.
        JsonNode refused = TestCalls.parse(given().auth().oauth2(UsageHttpIngestionTest.token(org))
                .post("/v1/usage/dead-letters/redrive").then().statusCode(403).extract().asString());
        assertThat(refused.get("error_type").asText()).isEqualTo("forbidden");
        assertThat(streams().xlen(DEAD)).isEqualTo(deadBefore);
        assertThat(count(org)).isZero();
        given().auth().oauth2(operator()).queryParam("limit", "0").post("/v1/usage/dead-letters/redrive")
                .then().statusCode(400);

        JsonNode first = redrive();

        assertThat(first.get("stored").asInt()).isEqualTo(1);
        assertThat(first.get("already_stored").asInt()).isEqualTo(1);
        assertThat(first.get("still_rejected").findValuesAsText("source_id")).contains(poison);
        assertThat(count(org)).isEqualTo(1);
        assertThat(((BigDecimal) rows(org).getFirst().get("cost_usd")).toPlainString()).isEqualTo("0.000010500000");
        assertThat(streams().xrange(DEAD, StreamRange.of("-", "+"))).extracting(StreamMessage::payload)
                .noneMatch(p -> String.valueOf(p.get(UsageEvent.STREAM_FIELD)).contains(org) && !p.get(UsageEvent.STREAM_FIELD).startsWith("{not json"));

        JsonNode second = redrive();

        assertThat(second.get("stored").asInt()).isZero();
        assertThat(second.get("still_rejected").findValuesAsText("source_id")).contains(poison);
        assertThat(count(org)).isEqualTo(1);
        // The poison entry is still rejected, so it still counts.
        assertThat(longValue("SELECT count(*) FROM telemetry.usage_rejections WHERE source_id = ? "
                + "AND redriven_at IS NULL", poison)).isEqualTo(1);
    }

    // This class's own database (see the class comment), read directly to check what was stored.
    private static final String DATABASE = "verity_data_exact";

    private static Connection connect() throws java.sql.SQLException {
        dev.verity.local.PostgresEndpoint pg = TestInfra.get().postgres(DATABASE);
        return java.sql.DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
    }

    private static long count(String org) {
        return longValue("SELECT count(*) FROM telemetry.llm_calls WHERE org_id = ?", org);
    }

    private static long longValue(String sql, Object... params) {
        try (Connection conn = connect(); PreparedStatement st = conn.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Map<String, Object>> rows(String org) {
        try (Connection conn = connect(); PreparedStatement st = conn.prepareStatement(
                "SELECT id, cost_usd FROM telemetry.llm_calls WHERE org_id = ? ORDER BY id")) {
            st.setString(1, org);
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.add(Map.of("id", rs.getString(1), "cost_usd", rs.getBigDecimal(2)));
                }
            }
            return rows;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode redrive() {
        return TestCalls.parse(given().auth().oauth2(operator()).post("/v1/usage/dead-letters/redrive")
                .then().statusCode(200).contentType(ContentType.JSON).extract().asString());
    }

    private static String operator() {
        return TestInfra.get().tokens().withGroups(TestUser.of("ops-1", "org-ops", "enterprise"), "operator");
    }

    private ObjectNode event(String org, String id, Instant at) {
        UsageEvent event = new UsageEvent(id, org, "u", "req-" + id, "small", "openai-compatible", 10, 15,
                new BigDecimal("0.000010500000"), 42, UsageEvent.Outcome.SUCCESS, null, false, false, at);
        return json.valueToTree(event);
    }

    private static JsonNode post(String path, String org, String body, int status) {
        return TestCalls.parse(given().auth().oauth2(UsageHttpIngestionTest.token(org)).contentType(ContentType.JSON)
                .body(body).post(path).then().statusCode(status).extract().asString());
    }

    /** Mostly small counts, some large, some zero: the shapes real calls have. */
    private static int tokens(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextInt(20);
            case 1 -> random.nextInt(2_000);
            case 2 -> random.nextInt(200_000);
            default -> random.nextInt(2_000_001);
        };
    }

    /** USD per million tokens with 0 to 6 decimal places, up to 1,000. */
    private static BigDecimal price(Random random) {
        int scale = random.nextInt(7);
        long bound = 1_000L * BigDecimal.TEN.pow(scale).longValueExact();
        return BigDecimal.valueOf(Math.floorMod(random.nextLong(), bound + 1), scale);
    }
}
