package dev.verity.data;

import static dev.verity.data.UsageHttpIngestionTest.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.data.TestCalls.Call;
import dev.verity.local.VerityTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The consumer of verity:usage in group data-agent, against the real Redis stream. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_data_test"), @ResourceArg(name = "redis-db", value = "2")})
class UsageStreamTest {

    private static final String STREAM = "verity:usage";
    private static final String GROUP = "data-agent";
    private static final String DEAD = "verity:usage:dead";
    private static final Instant FROM = Instant.parse("2026-07-01T00:00:00Z");
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    /**
     * Appends the events and, in the same atomic script, reads them as another consumer that then
     * "crashes": the entries sit pending on it, exactly as after a kill before XACK.
     */
    private static final String APPEND_AND_READ_AS = """
            redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
            local ids = {}
            for i = 3, #ARGV do ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', 'event', ARGV[i]) end
            local read = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 10000, 'STREAMS', KEYS[1], '>')
            if not read or #read[1][2] < #ids then return redis.error_reply('entries not delivered to ' .. ARGV[2]) end
            return ids""";

    @Inject
    RedisDataSource redis;

    private StreamCommands<String, String, String> streams() {
        return redis.stream(String.class, String.class, String.class);
    }

    private String append(String eventJson) {
        return streams().xadd(STREAM, Map.of("event", eventJson));
    }

    @Test
    void streamedEventsAreStoredAndQueriedWithTheNumbersComputedFromTheSameEvents() {
        String org = TestCalls.org("org-stream");
        List<Call> calls = TestCalls.generate(21, FROM, new int[] {0, 1, 3}, 15);

        calls.forEach(c -> append(c.event(org, "u-stream").toString()));

        await().atMost(PATIENCE).until(() -> Database.count(org) == calls.size());
        JsonNode answer = post("/v1/metrics/query", org, MetricsExpectations.query(FROM, 4, null), 200);
        MetricsExpectations.assertAnswer(answer, calls, FROM, 4, null);
        assertThat(Database.rows(org)).allSatisfy(row -> assertThat(row.get("user_id")).isEqualTo("u-stream"));
    }

    @Test
    void duplicateDeliveryOfTheSameEventStoresOneRow() {
        String org = TestCalls.org("org-dup");
        Call call = TestCalls.generate(22, FROM, new int[] {0}, 1).get(0);
        String event = call.event(org, "u-dup").toString();
        String sentinelOrg = TestCalls.org("org-dup-sentinel");

        List<String> copies = List.of(append(event), append(event), append(event));
        append(TestCalls.generate(23, FROM, new int[] {0}, 1).get(0).event(sentinelOrg, "u").toString());

        // Entries are handled in stream order: once the last one is stored, the three copies were handled.
        await().atMost(PATIENCE).until(() -> Database.count(sentinelOrg) == 1);
        assertThat(Database.count(org)).isEqualTo(1);
        for (String id : copies) {
            await().atMost(PATIENCE).until(() -> streams().xpending(STREAM, GROUP, StreamRange.of(id, id), 10).isEmpty());
        }
    }

    @Test
    void entriesOfAConsumerKilledBetweenInsertAndAckAreClaimedWithoutLossOrDuplicates() throws Exception {
        String org = TestCalls.org("org-crash");
        List<Call> calls = TestCalls.generate(24, FROM, new int[] {0}, 3);
        String crashed = "crashed-" + UUID.randomUUID();
        List<String> args = new ArrayList<>(List.of("EVAL", APPEND_AND_READ_AS, "1", STREAM, GROUP, crashed));
        calls.forEach(c -> args.add(c.event(org, "u-crash").toString()));

        // The crashed consumer had committed the first call before it died, but never acknowledged it.
        insertDirectly(org, calls.get(0));
        assertThat(Database.count(org)).isEqualTo(1);

        Response ids = redis.execute(args.get(0), args.subList(1, args.size()).toArray(String[]::new));

        // The script fails unless all three entries were delivered to the crashed consumer.
        assertThat(ids.size()).isEqualTo(3);

        await().atMost(PATIENCE).until(() -> !streams().xpending(STREAM, GROUP).getConsumers().containsKey(crashed));
        await().atMost(PATIENCE).until(() -> Database.count(org) == 3);
        assertThat(Database.rows(org)).extracting(r -> r.get("id"))
                .containsExactlyInAnyOrderElementsOf(calls.stream().map(Call::id).toList());
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i).toString();
            await().atMost(PATIENCE).until(() -> streams().xpending(STREAM, GROUP, StreamRange.of(id, id), 10).isEmpty());
        }
        assertThat(Database.count(org)).isEqualTo(3);
    }

    @Test
    void poisonEntriesGoToTheDeadLetterStreamWithTheirReasonAndAreAcknowledged() {
        String org = TestCalls.org("org-poison");
        Call valid = TestCalls.generate(25, FROM, new int[] {0}, 1).get(0);
        JsonNode noOrg = valid.event(org, "u");
        ((com.fasterxml.jackson.databind.node.ObjectNode) noOrg).remove("org_id");
        JsonNode badOutcome = TestCalls.generate(26, FROM, new int[] {0}, 1).get(0).event(org, "u");
        ((com.fasterxml.jackson.databind.node.ObjectNode) badOutcome).put("outcome", "'; DROP TABLE telemetry.llm_calls; --");

        String notJson = append("{not json");
        String missingOrg = append(noOrg.toString());
        String wrongOutcome = append(badOutcome.toString());
        String noEventField = streams().xadd(STREAM, Map.of("payload", "{}"));
        String sentinel = append(TestCalls.generate(27, FROM, new int[] {0}, 1).get(0).event(org, "u").toString());

        await().atMost(PATIENCE).until(() -> Database.count(org) == 1);
        Map<String, String> reasons = new java.util.HashMap<>();
        for (StreamMessage<String, String, String> dead : streams().xrange(DEAD, StreamRange.of("-", "+"))) {
            reasons.put(dead.payload().get("source_id"), dead.payload().get("reason"));
        }
        assertThat(reasons.get(notJson)).contains("not valid JSON");
        assertThat(reasons.get(missingOrg)).contains("org_id");
        assertThat(reasons.get(wrongOutcome)).contains("outcome");
        assertThat(reasons.get(noEventField)).contains("event");
        assertThat(reasons).doesNotContainKey(sentinel);
        for (String id : List.of(notJson, missingOrg, wrongOutcome, noEventField, sentinel)) {
            await().atMost(PATIENCE).until(() -> streams().xpending(STREAM, GROUP, StreamRange.of(id, id), 10).isEmpty());
        }
        assertThat(Database.tableExists()).isTrue();
        // Each rejection is recorded once, with the org when the event named one.
        List<String> rejected = List.of(notJson, missingOrg, wrongOutcome, noEventField);
        assertThat(Database.longValue("SELECT count(*) FROM telemetry.usage_rejections WHERE source_id = ANY(?)",
                (Object) rejected.toArray(String[]::new))).isEqualTo(4);
        assertThat(Database.longValue("SELECT count(*) FROM telemetry.usage_rejections WHERE org_id = ?", org))
                .isEqualTo(1);
        // Recent rejections turn the status degraded for an hour (ExactUsageTest covers that): the other
        // suites sharing this database expect a ready service, so these are taken back.
        Database.longValue("WITH gone AS (DELETE FROM telemetry.usage_rejections WHERE source_id = ANY(?) RETURNING 1) "
                + "SELECT count(*) FROM gone", (Object) rejected.toArray(String[]::new));
        await().atMost(PATIENCE).until(() -> "ready".equals(TestCalls.parse(io.restassured.RestAssured.given()
                .when().get("/v1/status").then().extract().asString()).get("status").asText()));
    }

    private static void insertDirectly(String org, Call call) throws Exception {
        try (Connection conn = Database.connect(); PreparedStatement st = conn.prepareStatement(
                "INSERT INTO telemetry.llm_calls (id, org_id, user_id, model, provider, prompt_tokens, completion_tokens, "
                        + "cost_usd, latency_ms, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            st.setString(1, call.id());
            st.setString(2, org);
            st.setString(3, "u-crash");
            st.setString(4, call.model());
            st.setString(5, call.provider());
            st.setObject(6, call.promptTokens());
            st.setObject(7, call.completionTokens());
            st.setBigDecimal(8, call.costUsd());
            st.setLong(9, call.latencyMs());
            st.setString(10, call.outcome());
            st.setTimestamp(11, Timestamp.from(call.createdAt()));
            st.executeUpdate();
        }
    }
}
