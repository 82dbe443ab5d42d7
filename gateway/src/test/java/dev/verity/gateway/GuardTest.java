package dev.verity.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.verity.contract.Services;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class GuardTest extends GatewayTestSupport {

    private static final String CHAT = "{\"message\":\"Summarise my costs.\"}";
    private static final String COMPLETION_REQUEST = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    /** The Prometheus sample, summed over routes, as an operator would scrape it. */
    private static double violations() {
        String scrape = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return scrape.lines()
                .filter(line -> line.startsWith("verity_authenticity_violations_total"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    private void chatIsStopped(String agentAnswer) {
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", 200, agentAnswer);
        double before = violations();

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body(CHAT)
                .header("X-Request-Id", requestId("guard"))
                .when().post("/api/v1/chat")
                .then().statusCode(500)
                .contentType("application/problem+json")
                .body("error_type", equalTo("authenticity_violation"))
                .body("retryable", equalTo(true));

        assertThat(violations()).isEqualTo(before + 1);
    }

    @Test
    void aCannedApologyWithProvenanceIsStillStopped() {
        chatIsStopped(StandIns.runAnswer("r", "I apologize, but I encountered an error processing your request."));
    }

    @Test
    void aTemplatedFallbackIsStopped() {
        chatIsStopped(StandIns.runAnswer("r", "Processing completed with Fallback Response For: Summarise my costs."));
    }

    @Test
    void anAnswerWithoutProvenanceIsStopped() {
        chatIsStopped("{\"request_id\":\"r\",\"response\":\"Your costs were 12 USD.\"}");
    }

    @Test
    void provenanceWithoutTheProviderRequestIdIsStopped() {
        chatIsStopped("""
                {"request_id":"r","response":"Your costs were 12 USD.","provenance":{"model":"fallback","provider":"none"}}""");
    }

    @Test
    void aCompletionWithACannedPhraseIsStoppedInOpenAiShape() {
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 200,
                StandIns.completion("I apologize, but I encountered an error processing your request.", false));
        double before = violations();

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body(COMPLETION_REQUEST)
                .when().post("/v1/chat/completions")
                .then().statusCode(500)
                .body("error.code", equalTo("authenticity_violation"))
                .body("error.type", equalTo("server_error"));

        assertThat(violations()).isEqualTo(before + 1);
    }

    @Test
    void aRealAnswerPassesAndCountsNothing() {
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", 200, StandIns.runAnswer("r", "You spent 12.40 USD, mostly on large."));
        double before = violations();

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body(CHAT)
                .when().post("/api/v1/chat")
                .then().statusCode(200)
                .body("response", equalTo("You spent 12.40 USD, mostly on large."))
                .body("provenance.provider_request_id", equalTo("chatcmpl-run-1"));

        assertThat(violations()).isEqualTo(before);
    }
}
