package dev.verity.data;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.data.TestCalls.Call;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_data_test"), @ResourceArg(name = "redis-db", value = "2")})
class UsageHttpIngestionTest {

    private static final Instant FROM = Instant.parse("2026-10-01T00:00:00Z");

    static String token(String org) {
        return TestInfra.get().tokens().mint(TestUser.of("u-" + org, org, "mid"));
    }

    static JsonNode post(String path, String org, String body, int status) {
        return TestCalls.parse(given().auth().oauth2(token(org)).contentType(ContentType.JSON).body(body)
                .when().post(path)
                .then().statusCode(status).extract().asString());
    }

    @Test
    void storedBatchIsQueriedBackWithTheNumbersComputedFromTheSameRows() {
        String org = TestCalls.org("org-http");
        List<Call> calls = TestCalls.generate(1, FROM, new int[] {0, 1, 3, 4}, 25);

        JsonNode stored = post("/v1/usage", org, TestCalls.batch(calls), 201);

        assertThat(stored.get("stored").asInt()).isEqualTo(100);
        assertThat(Database.count(org)).isEqualTo(100);
        JsonNode answer = post("/v1/metrics/query", org, MetricsExpectations.query(FROM, 6, null), 200);
        MetricsExpectations.assertAnswer(answer, calls, FROM, 6, null);
        assertThat(answer.at("/source/kind").asText()).isEqualTo("primary");
        assertThat(answer.at("/source/degraded").asBoolean()).isFalse();

        JsonNode byModel = post("/v1/metrics/query", org, MetricsExpectations.query(FROM, 6, "model"), 200);
        MetricsExpectations.assertAnswer(byModel, calls, FROM, 6, Call::model);
        JsonNode byProvider = post("/v1/metrics/query", org, MetricsExpectations.query(FROM, 6, "provider"), 200);
        MetricsExpectations.assertAnswer(byProvider, calls, FROM, 6, Call::provider);
    }

    @Test
    void everyStoredFieldIsTheSubmittedValueWithOrgAndUserFromTheToken() {
        String org = TestCalls.org("org-fields");
        List<Call> calls = TestCalls.generate(2, FROM, new int[] {0}, 5);

        post("/v1/usage", org, TestCalls.batch(calls), 201);

        List<Map<String, Object>> rows = Database.rows(org);
        assertThat(rows).hasSize(5);
        for (Map<String, Object> row : rows) {
            Call call = calls.stream().filter(c -> c.id().equals(row.get("id"))).findFirst().orElseThrow();
            assertThat(row.get("user_id")).isEqualTo("u-" + org);
            assertThat(row.get("request_id")).isEqualTo("req-" + call.id());
            assertThat(row.get("model")).isEqualTo(call.model());
            assertThat(row.get("provider")).isEqualTo(call.provider());
            assertThat(row.get("prompt_tokens")).isEqualTo(call.promptTokens());
            assertThat(row.get("completion_tokens")).isEqualTo(call.completionTokens());
            if (call.costUsd() == null) {
                assertThat(row.get("cost_usd")).isNull();
            } else {
                assertThat((BigDecimal) row.get("cost_usd")).isEqualByComparingTo(call.costUsd());
            }
            assertThat(((Number) row.get("latency_ms")).longValue()).isEqualTo(call.latencyMs());
            assertThat(row.get("outcome")).isEqualTo(call.outcome());
            assertThat(((java.sql.Timestamp) row.get("created_at")).toInstant()).isEqualTo(call.createdAt());
        }
    }

    @Test
    void replayedBatchIsNotStoredTwice() {
        String org = TestCalls.org("org-replay");
        List<Call> calls = TestCalls.generate(3, FROM, new int[] {0, 1}, 10);
        post("/v1/usage", org, TestCalls.batch(calls), 201);

        JsonNode replay = post("/v1/usage", org, TestCalls.batch(calls), 201);

        assertThat(replay.get("stored").asInt()).isZero();
        assertThat(replay.get("already_stored").asInt()).isEqualTo(20);
        assertThat(Database.count(org)).isEqualTo(20);
        // A batch mixing replays and new calls stores only the new ones.
        List<Call> more = new ArrayList<>(calls.subList(0, 5));
        more.addAll(TestCalls.generate(4, FROM, new int[] {2}, 3));
        JsonNode mixed = post("/v1/usage", org, TestCalls.batch(more), 201);
        assertThat(mixed.get("stored").asInt()).isEqualTo(3);
        assertThat(mixed.get("already_stored").asInt()).isEqualTo(5);
        assertThat(Database.count(org)).isEqualTo(23);
    }

    @Test
    void invalidBatchNamesEveryBadRowAndFieldAndStoresNothing() {
        String org = TestCalls.org("org-invalid");
        List<Call> calls = TestCalls.generate(5, FROM, new int[] {0}, 8);
        ArrayNode rows = TestCalls.JSON.createArrayNode();
        calls.forEach(c -> rows.add(c.json()));
        ((ObjectNode) rows.get(1)).remove("model");
        ((ObjectNode) rows.get(2)).put("outcome", "maybe").put("latency_ms", -3);
        ((ObjectNode) rows.get(3)).put("prompt_tokens", "12").put("created_at", "yesterday");
        ((ObjectNode) rows.get(4)).put("org_id", "org-someone-else");
        ((ObjectNode) rows.get(5)).put("cost_usd", -0.5).put("provider", "");
        ((ObjectNode) rows.get(6)).put("created_at", "-5000-01-01T00:00:00Z");
        ((ObjectNode) rows.get(7)).put("id", calls.get(0).id());
        ObjectNode body = TestCalls.JSON.createObjectNode();
        body.set("calls", rows);

        JsonNode problem = TestCalls.parse(given().auth().oauth2(token(org)).contentType(ContentType.JSON)
                .body(body.toString())
                .when().post("/v1/usage")
                .then().statusCode(422)
                .contentType("application/problem+json")
                .body("error_type", equalTo("data_validation_failed"))
                .body("retryable", equalTo(false))
                .extract().asString());

        Set<String> named = new HashSet<>();
        problem.get("errors").forEach(e -> named.add(e.get("row").asInt() + ":" + e.get("field").asText()));
        assertThat(named).containsExactlyInAnyOrder("1:model", "2:outcome", "2:latency_ms", "3:prompt_tokens",
                "3:created_at", "4:org_id", "5:cost_usd", "5:provider", "6:created_at", "7:id");
        problem.get("errors").forEach(e -> assertThat(e.get("reason").asText()).isNotBlank());
        assertThat(Database.count(org)).isZero();
        assertThat(Database.count("org-someone-else")).isZero();
    }

    @Test
    void malformedBatchesAreRefusedWithoutStoringAnything() {
        String org = TestCalls.org("org-malformed");
        post("/v1/usage", org, "{\"calls\":[]}", 400);
        post("/v1/usage", org, "{}", 400);
        post("/v1/usage", org, "{\"calls\":[\"not an object\"]}", 422);
        JsonNode unknown = post("/v1/usage", org, "{\"calls\":[],\"org\":\"x\"}", 400);
        assertThat(unknown.get("detail").asText()).contains("org");
        assertThat(Database.count(org)).isZero();
    }

    @Test
    void sqlInjectionInEveryStringFieldIsStoredAsDataOrRejectedNeverExecuted() {
        String org = TestCalls.org("org-inject");
        String bystander = TestCalls.org("org-bystander");
        post("/v1/usage", bystander, TestCalls.batch(TestCalls.generate(6, FROM, new int[] {0}, 3)), 201);
        List<String> attacks = List.of(
                "x'); DROP TABLE telemetry.llm_calls; --",
                "' OR '1'='1",
                "\"; DELETE FROM telemetry.llm_calls WHERE ''=''; --",
                "1; UPDATE telemetry.llm_calls SET org_id = 'org-inject' --",
                "$1) OR pg_sleep(5) IS NULL --");
        ArrayNode rows = TestCalls.JSON.createArrayNode();
        for (int i = 0; i < attacks.size(); i++) {
            String attack = attacks.get(i);
            rows.add(TestCalls.JSON.createObjectNode()
                    .put("id", attack + i).put("request_id", attack).put("model", attack).put("provider", attack)
                    .put("prompt_tokens", 10).put("completion_tokens", 5).put("cost_usd", 0.001)
                    .put("latency_ms", 100 + i).put("outcome", "success")
                    .put("created_at", FROM.plusSeconds(60 * i).toString()));
        }
        ObjectNode body = TestCalls.JSON.createObjectNode();
        body.set("calls", rows);

        post("/v1/usage", org, body.toString(), 201);

        assertThat(Database.tableExists()).isTrue();
        assertThat(Database.count(bystander)).isEqualTo(3);
        List<Map<String, Object>> stored = Database.rows(org);
        assertThat(stored).extracting(r -> r.get("model")).containsExactlyInAnyOrderElementsOf(attacks);
        assertThat(stored).extracting(r -> r.get("request_id")).containsExactlyInAnyOrderElementsOf(attacks);
        JsonNode byModel = post("/v1/metrics/query", org, "{\"metrics\":[\"latency_ms\"],\"from\":\"" + FROM
                + "\",\"to\":\"" + FROM.plusSeconds(3600) + "\",\"bucket\":\"PT1H\",\"group_by\":\"model\"}", 200);
        List<String> groups = new ArrayList<>();
        byModel.get("series").forEach(s -> groups.add(s.get("group").asText()));
        assertThat(groups).containsExactlyInAnyOrderElementsOf(attacks);

        // In fields that are not free text, the same strings are rejected as invalid data.
        String bad = "{\"calls\":[{\"id\":\"a\",\"model\":\"m\",\"provider\":\"p\",\"latency_ms\":1,"
                + "\"outcome\":\"success' OR '1'='1\",\"created_at\":\"2026-10-01T00:00:00Z'; DROP TABLE x; --\"}]}";
        JsonNode problem = post("/v1/usage", org, bad, 422);
        assertThat(problem.get("errors")).hasSize(2);
        assertThat(Database.count(org)).isEqualTo(attacks.size());
        assertThat(Database.count(bystander)).isEqualTo(3);
    }
}
