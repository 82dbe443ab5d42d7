package dev.verity.agent;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.verity.agent.support.DownstreamsTestResource;
import dev.verity.agent.support.StandIns;
import dev.verity.local.TestInfra;
import dev.verity.local.Tokens;
import dev.verity.local.VerityTestResource;
import dev.verity.runtime.FoundationContract;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_agent_test"), @ResourceArg(name = "redis-db", value = "3")})
@WithTestResource(DownstreamsTestResource.class)
class FoundationTest implements FoundationContract {

    private static final String QUERY = """
            {"message":"How fast were my calls today?"}""";

    @Override
    public Edge edge() {
        return new Edge("execution-agent", "/v1/runs", QUERY,
                "{\"message\":\"hi\",\"history\":\"all\"}", "history",
                "{\"message\":\"", "{\"message\":\"How fast were my calls today?\",\"drop_table\":true}");
    }

    @BeforeEach
    void reset() {
        StandIns.get().reset();
    }

    private static Tokens tokens() {
        return TestInfra.get().tokens();
    }

    @Test
    void statusTellsTheTruth() {
        given().when().get("/v1/status").then()
                .statusCode(200)
                .body("service", equalTo("execution-agent"))
                .body("status", equalTo("ready"))
                .body("components.redis.state", equalTo("up"));
    }

    @Test
    void validTokenIsAcceptedAndTheAnswerIsAnHonestProblemNotAnInventedResult() {
        // The cascade cannot be reached: the run answers with the caller's problem, never with made-up text.
        StandIns.get().cascade().unreachable();
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body(QUERY)
                .header("X-Request-Id", "req-found-1")
                .when().post("/v1/runs")
                .then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", not(equalTo(null)))
                .body("error_type", equalTo("service_unavailable"))
                .body("instance", equalTo("urn:verity:request:req-found-1"))
                .body("error_context.user_id", equalTo("u-1"))
                .body("error_context.user_tier", equalTo("mid"));
    }
}
