package dev.verity.data;

import static dev.verity.data.UsageHttpIngestionTest.post;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.data.TestCalls.Call;
import dev.verity.local.PostgresEndpoint;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The primary is unreachable from the start; a read replica answers, labelled as such. */
@QuarkusTest
@WithTestResource(value = DeadPrimaryWithReplicaResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_data_test"), @ResourceArg(name = "redis-db", value = "2")})
class ReplicaTest {

    private static final Instant FROM = Instant.parse("2026-05-01T00:00:00Z");

    @BeforeAll
    static void replicaHasTheSchema() {
        // A replica receives its schema from the primary; here the test database plays both roles.
        PostgresEndpoint pg = Database.endpoint();
        Flyway.configure().dataSource(pg.jdbcUrl(), pg.user(), pg.password())
                .schemas("telemetry").defaultSchema("telemetry").load().migrate();
    }

    @Test
    void serviceBootsWithThePrimaryDownAndAnswersFromTheReplicaMarkedDegraded() throws Exception {
        String org = TestCalls.org("org-replica");
        List<Call> calls = TestCalls.generate(41, FROM, new int[] {0, 1}, 10);
        try (Connection conn = Database.connect(); PreparedStatement st = conn.prepareStatement(
                "INSERT INTO telemetry.llm_calls (id, org_id, model, provider, prompt_tokens, completion_tokens, cost_usd, "
                        + "latency_ms, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Call c : calls) {
                st.setString(1, c.id());
                st.setString(2, org);
                st.setString(3, c.model());
                st.setString(4, c.provider());
                st.setObject(5, c.promptTokens());
                st.setObject(6, c.completionTokens());
                st.setBigDecimal(7, c.costUsd());
                st.setLong(8, c.latencyMs());
                st.setString(9, c.outcome());
                st.setTimestamp(10, Timestamp.from(c.createdAt()));
                st.addBatch();
            }
            st.executeBatch();
        }

        JsonNode answer = post("/v1/metrics/query", org, MetricsExpectations.query(FROM, 2, null), 200);

        assertThat(answer.at("/source/kind").asText()).isEqualTo("replica");
        assertThat(answer.at("/source/degraded").asBoolean()).isTrue();
        MetricsExpectations.assertAnswer(answer, calls, FROM, 2, null);
        SignedResults.assertSigned(answer, "/v1/metrics/query");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode status = TestCalls.parse(given().when().get("/v1/status").then().statusCode(200).extract().asString());
            assertThat(status.get("status").asText()).isEqualTo("degraded");
            assertThat(status.get("reason").asText()).contains("replica");
            assertThat(status.at("/components/postgres/state").asText()).isEqualTo("down");
            assertThat(status.at("/components/replica/state").asText()).isEqualTo("up");
        });
    }
}
