package dev.verity.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.verity.contract.Services;
import dev.verity.local.PrometheusText;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.math.BigDecimal;
import java.util.Map;
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
        BigDecimal withheld = verdicts("withheld");
        BigDecimal verified = verdicts("verified");

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body(CHAT)
                .header("X-Request-Id", requestId("guard"))
                .when().post("/api/v1/chat")
                .then().statusCode(500)
                .contentType("application/problem+json")
                .body("error_type", equalTo("authenticity_violation"))
                .body("retryable", equalTo(true));

        assertThat(violations()).isEqualTo(before + 1);
        assertThat(verdicts("withheld")).isEqualByComparingTo(withheld.add(BigDecimal.ONE));
        assertThat(verdicts("verified")).isEqualByComparingTo(verified);
    }

    /** Chat answers the guard judged with {@code verdict}, from the scrape. */
    private static BigDecimal verdicts(String verdict) {
        String scrape = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return PrometheusText.sum(scrape, "verity_guard_verdicts_total", Map.of("route", "chat", "verdict", verdict));
    }

    private static double metric(String name) {
        String scrape = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return scrape.lines()
                .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void aRealAnswerThatSoundsLikeACannedApologyIsDeliveredAndOnlyCounted() {
        String apology = "I apologize, but I encountered an error calling the metrics tool; from the data I have, p95 was 812 ms.";
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", 200, StandIns.runAnswer("r", apology));
        double before = violations();
        double suspicious = metric("verity_guard_suspicious_total");

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body(CHAT)
                .when().post("/api/v1/chat")
                .then().statusCode(200)
                .body("response", equalTo(apology))
                .body("provenance.receipt", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyOrNullString()))
                .body("provenance.receipt_mac", org.hamcrest.Matchers.nullValue());

        assertThat(violations()).isEqualTo(before);
        assertThat(metric("verity_guard_suspicious_total")).isEqualTo(suspicious + 1);
    }

    @Test
    void oneByteChangedBetweenTheCascadeAndTheGatewayIsWithheldAndCounted() {
        String signed = StandIns.runAnswer("r", "You spent 12.40 USD, mostly on large.");
        chatIsStopped(signed.replace("12.40 USD", "12.41 USD"));
    }

    @Test
    void anAnswerWithProvenanceButNoReceiptIsStopped() {
        chatIsStopped(StandIns.unsignedRunAnswer("r", "You spent 12.40 USD, mostly on large."));
    }

    @Test
    void aReceiptWhoseMacWasMadeWithAnotherSecretIsStopped() {
        String signed = StandIns.runAnswer("r", "You spent 12.40 USD.");
        String foreign = TestReceipts.sign(TestReceipts.signer(dev.verity.local.ReceiptKeys.generate(
                dev.verity.local.TestInfra.get().receiptKeys().kid())), StandIns.provenance("large", "chatcmpl-run-1"),
                "You spent 12.40 USD.", java.util.List.of());
        chatIsStopped("{\"request_id\":\"r\",\"response\":\"You spent 12.40 USD.\",\"provenance\":" + foreign + "}");
        assertThat(signed).contains("receipt_mac");
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
    void aTemplatedFallbackWithoutAReceiptIsStoppedInOpenAiShape() {
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 200,
                StandIns.unsignedCompletion("Processing completed with Fallback Response For: hi.", false));
        double before = violations();

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body(COMPLETION_REQUEST)
                .when().post("/v1/chat/completions")
                .then().statusCode(500)
                .body("error.code", equalTo("authenticity_violation"))
                .body("error.type", equalTo("server_error"));

        assertThat(violations()).isEqualTo(before + 1);
    }

    @Test
    void aVerifiedCompletionCarriesItsReceiptInTheBodyAndTheHeader() {
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 200, StandIns.completion("Hello there.", false));

        var response = given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body(COMPLETION_REQUEST)
                .when().post("/v1/chat/completions")
                .then().statusCode(200).extract();

        String receipt = response.jsonPath().getString("provenance.receipt");
        assertThat(receipt).isNotBlank();
        assertThat(response.header("x-verity-receipt")).isEqualTo(receipt);
        assertThat(response.jsonPath().getString("provenance.receipt_mac")).isNull();
    }

    @Test
    void aRealAnswerPassesAndCountsNothing() {
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", 200, StandIns.runAnswer("r", "You spent 12.40 USD, mostly on large."));
        double before = violations();
        BigDecimal verified = verdicts("verified");
        BigDecimal withheld = verdicts("withheld");

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body(CHAT)
                .when().post("/api/v1/chat")
                .then().statusCode(200)
                .body("response", equalTo("You spent 12.40 USD, mostly on large."))
                .body("provenance.provider_request_id", equalTo("chatcmpl-run-1"));

        assertThat(violations()).isEqualTo(before);
        assertThat(verdicts("verified")).isEqualByComparingTo(verified.add(BigDecimal.ONE));
        assertThat(verdicts("withheld")).isEqualByComparingTo(withheld);
    }
}
