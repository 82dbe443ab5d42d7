package dev.verity.data;

import static dev.verity.data.UsageHttpIngestionTest.post;
import static dev.verity.data.UsageHttpIngestionTest.token;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.data.TestCalls.Call;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_data_test"), @ResourceArg(name = "redis-db", value = "2")})
class MetricsQueryTest {

    private static final Instant FROM = Instant.parse("2026-09-01T00:00:00Z");

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"metrics\":[\"latency_ms\",\"satisfaction\"],\"from\":\"2026-09-01T00:00:00Z\",\"to\":\"2026-09-02T00:00:00Z\",\"bucket\":\"PT1H\"}",
            "{\"metrics\":[],\"from\":\"2026-09-01T00:00:00Z\",\"to\":\"2026-09-02T00:00:00Z\",\"bucket\":\"PT1H\"}",
            "{\"metrics\":[\"tokens\"],\"from\":\"2026-09-02T00:00:00Z\",\"to\":\"2026-09-01T00:00:00Z\",\"bucket\":\"PT1H\"}",
            "{\"metrics\":[\"tokens\"],\"from\":\"2026-09-01T00:00:00Z\",\"to\":\"2026-09-01T00:00:00Z\",\"bucket\":\"PT1H\"}",
            "{\"metrics\":[\"tokens\"],\"from\":\"-5000-01-01T00:00:00Z\",\"to\":\"2026-09-02T00:00:00Z\",\"bucket\":\"P1000000D\"}",
            "{\"metrics\":[\"tokens\"],\"from\":\"last tuesday\",\"to\":\"2026-09-02T00:00:00Z\",\"bucket\":\"PT1H\"}",
            "{\"metrics\":[\"tokens\"],\"from\":\"2026-09-01T00:00:00Z\",\"to\":\"2026-09-02T00:00:00Z\",\"bucket\":\"hourly\"}",
            "{\"metrics\":[\"tokens\"],\"from\":\"2026-09-01T00:00:00Z\",\"to\":\"2026-09-02T00:00:00Z\",\"bucket\":\"PT0.5S\"}",
            "{\"metrics\":[\"tokens\"],\"from\":\"2026-09-01T00:00:00Z\",\"to\":\"2026-09-02T00:00:00Z\"}",
            "{\"metrics\":[\"tokens\"],\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-09-02T00:00:00Z\",\"bucket\":\"PT1M\"}",
            "{\"metrics\":[\"tokens\"],\"from\":\"2026-09-01T00:00:00Z\",\"to\":\"2026-09-02T00:00:00Z\",\"bucket\":\"PT1H\",\"group_by\":\"org_id\"}",
            "{\"metrics\":[\"tokens\"],\"from\":\"2026-09-01T00:00:00Z\",\"to\":\"2026-09-02T00:00:00Z\",\"bucket\":\"PT1H\",\"group_by\":\"model; DROP TABLE telemetry.llm_calls\"}",
            "{\"metrics\":[\"tokens) FROM telemetry.llm_calls; --\"],\"from\":\"2026-09-01T00:00:00Z\",\"to\":\"2026-09-02T00:00:00Z\",\"bucket\":\"PT1H\"}"
    })
    void invalidQueriesAreInvalidRequestsAndNothingIsComputed(String body) {
        given().auth().oauth2(token("org-invalid-query")).contentType(ContentType.JSON).body(body)
                .when().post("/v1/metrics/query")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("retryable", equalTo(false));
        assertThat(Database.tableExists()).isTrue();
    }

    @Test
    void windowWithoutDataIsAnHonestEmptyResultNotZeros() {
        String org = TestCalls.org("org-empty");

        JsonNode answer = post("/v1/metrics/query", org, MetricsExpectations.query(FROM, 4, null), 200);

        List<String> metrics = new ArrayList<>();
        answer.get("series").forEach(s -> {
            metrics.add(s.get("metric").asText());
            assertThat(s.get("buckets")).isEmpty();
        });
        assertThat(metrics).containsExactlyElementsOf(MetricsExpectations.ALL);
        assertThat(answer.get("empty_buckets")).hasSize(4);
        assertThat(answer.toString()).doesNotContain("\"value\"").doesNotContain("\"p50\"");
        JsonNode grouped = post("/v1/metrics/query", org, MetricsExpectations.query(FROM, 4, "model"), 200);
        assertThat(grouped.get("series")).isEmpty();
        assertThat(grouped.get("empty_buckets")).hasSize(4);
    }

    @Test
    void aUserOfOneOrgNeverSeesAnotherOrgsRowsWhateverTheFilters() {
        String orgA = TestCalls.org("org-a");
        String orgB = TestCalls.org("org-b");
        List<Call> callsA = TestCalls.generate(11, FROM, new int[] {0, 2}, 15);
        List<Call> callsB = TestCalls.generate(12, FROM, new int[] {0, 1, 2, 3}, 30);
        post("/v1/usage", orgA, TestCalls.batch(callsA), 201);
        post("/v1/usage", orgB, TestCalls.batch(callsB), 201);
        // Org B re-uses org A's ids: its rows are its own and A's stay untouched.
        post("/v1/usage", orgB, TestCalls.batch(callsA), 201);

        for (String groupBy : new String[] {null, "model", "provider"}) {
            JsonNode answer = post("/v1/metrics/query", orgA, MetricsExpectations.query(FROM, 4, groupBy), 200);
            MetricsExpectations.assertAnswer(answer, callsA, FROM, 4,
                    groupBy == null ? null : "model".equals(groupBy) ? Call::model : Call::provider);
        }
        assertThat(Database.count(orgA)).isEqualTo(callsA.size());
        assertThat(Database.count(orgB)).isEqualTo(callsB.size() + callsA.size());
        JsonNode cost = post("/v1/cost-analysis", orgA,
                "{\"from\":\"" + FROM + "\",\"to\":\"" + FROM.plusSeconds(4 * 3600) + "\"}", 200);
        assertThat(cost.get("calls_analysed").asLong()).isEqualTo(callsA.size());
    }

    @Test
    void anOrgClaimCarryingSqlIsOnlyEverAnOrgName() {
        String victim = TestCalls.org("org-victim");
        post("/v1/usage", victim, TestCalls.batch(TestCalls.generate(13, FROM, new int[] {0}, 5)), 201);
        String attacker = TestCalls.org("x' OR '1'='1");

        JsonNode answer = post("/v1/metrics/query", attacker, MetricsExpectations.query(FROM, 2, null), 200);

        answer.get("series").forEach(s -> assertThat(s.get("buckets")).isEmpty());
        assertThat(answer.get("empty_buckets")).hasSize(2);
        post("/v1/usage", attacker, TestCalls.batch(TestCalls.generate(14, FROM, new int[] {0}, 2)), 201);
        assertThat(Database.count(attacker)).isEqualTo(2);
        assertThat(Database.count(victim)).isEqualTo(5);
    }
}
