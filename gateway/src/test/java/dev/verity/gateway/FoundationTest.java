package dev.verity.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.verity.local.VerityTestResource;
import dev.verity.runtime.FoundationContract;
import dev.verity.runtime.trace.ConsoleLog;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class FoundationTest extends GatewayTestSupport implements FoundationContract {

    private static final String QUERY = """
            {"message":"How fast were my calls today?"}""";

    @Override
    public Edge edge() {
        return new Edge("gateway", "/api/v1/chat", QUERY,
                "{\"message\":\"hi\",\"history\":\"all\"}", "history",
                "{\"message\":\"", "{\"message\":\"How fast were my calls today?\",\"drop_table\":true}");
    }

    @Test
    void consoleLogsArePlainTextUnlessJsonIsTurnedOn() {
        try (ConsoleLog log = ConsoleLog.capture()) {
            io.quarkus.logging.Log.info("foundation-test: a plain line");
            String line = log.lines().stream().filter(l -> l.contains("a plain line")).findFirst().orElseThrow();
            org.assertj.core.api.Assertions.assertThat(line).doesNotStartWith("{").contains("INFO");
        }
    }

    @Test
    void statusTellsTheTruth() {
        given().when().get("/v1/status").then()
                .statusCode(200)
                .body("service", equalTo("gateway"))
                .body("status", equalTo("ready"))
                .body("components.postgres.state", equalTo("up"))
                .body("components.redis.state", equalTo("up"));
    }

    @Test
    void validTokenIsAcceptedAndTheAnswerIsAnHonestProblemNotAnInventedResult() {
        standIns.status(dev.verity.contract.Services.EXECUTION_AGENT, "unavailable");
        poll();
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body(QUERY)
                .header("X-Request-Id", "req-found-1")
                .when().post("/api/v1/chat")
                .then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", not(equalTo(null)))
                .body("error_type", equalTo("service_unavailable"))
                .body("instance", equalTo("urn:verity:request:req-found-1"))
                .body("error_context.user_id", equalTo("u-1"))
                .body("error_context.user_tier", equalTo("mid"))
                .body("tier_handling.enterprise_escalation", equalTo(false));
    }

    @Test
    void validTokenReachesTheAgentAndItsRealAnswerComesBack() {
        standIns.answer(dev.verity.contract.Services.EXECUTION_AGENT, "/v1/runs", 200,
                StandIns.runAnswer("req-found-2", "Your p95 latency today was 812 ms."));
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body(QUERY)
                .header("X-Request-Id", "req-found-2")
                .when().post("/api/v1/chat")
                .then().statusCode(200)
                .body("response", equalTo("Your p95 latency today was 812 ms."))
                .body("provenance.model", equalTo("large"));
    }
}
