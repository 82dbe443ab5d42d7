package dev.verity.data;

import static dev.verity.data.UsageHttpIngestionTest.token;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The test profile's query budget is 2s (statement_timeout and reactive timeout). */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_data_test"), @ResourceArg(name = "redis-db", value = "2")})
class QueryTimeoutTest {

    private static final String QUERY = "{\"metrics\":[\"latency_ms\",\"tokens\"],\"from\":\"2026-04-01T00:00:00Z\","
            + "\"to\":\"2026-04-02T00:00:00Z\",\"bucket\":\"PT1H\"}";

    @Test
    void aQueryBlockedPastItsBudgetIsDataQueryTimeout() throws Exception {
        String org = TestCalls.org("org-timeout");
        try (Connection conn = Database.connect()) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                // Held until rollback: every read of the table waits behind it.
                st.execute("LOCK TABLE telemetry.llm_calls IN ACCESS EXCLUSIVE MODE");
            }
            try {
                JsonNode problem = TestCalls.parse(given().auth().oauth2(token(org)).contentType(ContentType.JSON)
                        .body(QUERY).when().post("/v1/metrics/query")
                        .then().statusCode(504)
                        .contentType("application/problem+json")
                        .header("Retry-After", "30")
                        .extract().asString());
                assertThat(problem.get("error_type").asText()).isEqualTo("data_query_timeout");
                assertThat(problem.get("retryable").asBoolean()).isTrue();
                assertThat(problem.at("/error_context/requested_metrics").toString()).isEqualTo("[\"latency_ms\",\"tokens\"]");
                assertThat(problem.has("series")).isFalse();
            } finally {
                conn.rollback();
            }
        }
        // Once the lock is gone the same query is answered from the database.
        given().auth().oauth2(token(org)).contentType(ContentType.JSON).body(QUERY)
                .when().post("/v1/metrics/query").then().statusCode(200);
    }

    @Test
    void aRequestWhoseDeadlineHasPassedIsNotWorkedOn() {
        JsonNode problem = TestCalls.parse(given().auth().oauth2(token(TestCalls.org("org-late")))
                .contentType(ContentType.JSON)
                .header("X-Request-Deadline", String.valueOf(System.currentTimeMillis() - 1000))
                .body(QUERY).when().post("/v1/metrics/query")
                .then().statusCode(504).extract().asString());
        assertThat(problem.get("error_type").asText()).isEqualTo("data_query_timeout");
    }
}
