package dev.verity.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.Services;
import dev.verity.contract.receipt.ReceiptVerifier;
import dev.verity.local.ReceiptKeys;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Metrics and cost analysis reach the caller only with a receipt that covers them: signed results
 * are delivered without the internal MAC and verify with the published keys; unsigned, changed or
 * foreign-signed ones are withheld as {@code authenticity_violation} and counted.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class DataReceiptGuardTest extends GatewayTestSupport {

    private static final String METRICS_RESULT = """
            {"series":[{"metric":"cost_usd","group":"small","buckets":[{"start":"2026-11-25T06:00:00Z","count":3,\
            "value":0.000031500000}]}],"empty_buckets":[],\
            "source":{"kind":"cache","as_of":"2026-11-25T08:10:00Z","freshness_seconds":420,"degraded":true}}""";
    private static final String COST_RESULT = """
            {"calls_analysed":5,"actual_usd":0.0005,"by_model":[{"model":"small","calls":5,"usd":0.0005}],\
            "basis":"5 recorded calls","source":{"kind":"replica","as_of":"2026-11-25T08:10:00Z","degraded":true}}""";
    private static final String COST_REQUEST =
            "{\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-02T00:00:00Z\",\"alternative\":\"cheapest_successful\"}";

    private static double metric(String name, String route) {
        String scrape = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return scrape.lines()
                .filter(line -> line.startsWith(name + "{") && line.contains("route=\"" + route + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    private ValidatableResponse post(String route, String body) {
        return given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body(body)
                .header("X-Request-Id", requestId("data-guard"))
                .when().post(route).then();
    }

    @Test
    void aSignedDegradedMetricsResultIsDeliveredWithoutItsMacAndVerifiesWithThePublishedKeys() throws Exception {
        standIns.answer(Services.DATA_AGENT, "/v1/metrics/query", 200, TestReceipts.signedData(METRICS_RESULT, "/v1/metrics/query"));
        double before = metric("verity_authenticity_violations_total", "metrics");

        String delivered = post("/api/v1/metrics/query", ForwardingTest.METRICS).statusCode(200)
                .body("source.kind", equalTo("cache"))
                .body("receipt_mac", org.hamcrest.Matchers.nullValue())
                .extract().asString();

        String jwks = given().when().get("/.well-known/verity/receipt-keys").then().statusCode(200).extract().asString();
        ObjectNode result = (ObjectNode) new ObjectMapper().readTree(delivered);
        String receipt = result.remove("receipt").asText();
        Map<String, Object> claims = ReceiptVerifier.fromJwks(jwks).verifyData(receipt, result.toString(), null);
        assertThat(claims).containsEntry("iss", "data-agent").containsEntry("route", "/v1/metrics/query")
                .containsEntry("degraded", true);
        assertThat(metric("verity_authenticity_violations_total", "metrics")).isEqualTo(before);
    }

    @Test
    void aSignedCostAnalysisFromTheReplicaIsDelivered() {
        standIns.answer(Services.DATA_AGENT, "/v1/cost-analysis", 200, TestReceipts.signedData(COST_RESULT, "/v1/cost-analysis"));

        post("/api/v1/cost-analysis", COST_REQUEST).statusCode(200)
                .body("calls_analysed", equalTo(5))
                .body("source.kind", equalTo("replica"))
                .body("receipt", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyOrNullString()))
                .body("receipt_mac", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void anUnsignedMetricsResultIsWithheldAndCountedTwice() {
        standIns.answer(Services.DATA_AGENT, "/v1/metrics/query", 200, METRICS_RESULT);
        double violations = metric("verity_authenticity_violations_total", "metrics");
        double unsigned = metric("verity_guard_unsigned_data_total", "metrics");

        withheld(post("/api/v1/metrics/query", ForwardingTest.METRICS));

        assertThat(metric("verity_authenticity_violations_total", "metrics")).isEqualTo(violations + 1);
        assertThat(metric("verity_guard_unsigned_data_total", "metrics")).isEqualTo(unsigned + 1);
    }

    @Test
    void anUnsignedCostAnalysisIsWithheld() {
        standIns.answer(Services.DATA_AGENT, "/v1/cost-analysis", 200, COST_RESULT);
        double violations = metric("verity_authenticity_violations_total", "cost-analysis");

        withheld(post("/api/v1/cost-analysis", COST_REQUEST));

        assertThat(metric("verity_authenticity_violations_total", "cost-analysis")).isEqualTo(violations + 1);
    }

    @Test
    void oneFigureChangedAfterSigningIsWithheldAndCounted() {
        String signed = TestReceipts.signedData(COST_RESULT, "/v1/cost-analysis");
        standIns.answer(Services.DATA_AGENT, "/v1/cost-analysis", 200, signed.replace("\"calls\":5", "\"calls\":6"));
        double violations = metric("verity_authenticity_violations_total", "cost-analysis");
        double unsigned = metric("verity_guard_unsigned_data_total", "cost-analysis");

        withheld(post("/api/v1/cost-analysis", COST_REQUEST));

        assertThat(metric("verity_authenticity_violations_total", "cost-analysis")).isEqualTo(violations + 1);
        assertThat(metric("verity_guard_unsigned_data_total", "cost-analysis")).isEqualTo(unsigned);
    }

    @Test
    void aResultSignedWithKeysTheGatewayDoesNotTrustIsWithheld() {
        String foreign = TestReceipts.signedData(TestReceipts.signer(ReceiptKeys.generate("stranger")), METRICS_RESULT,
                "/v1/metrics/query");
        standIns.answer(Services.DATA_AGENT, "/v1/metrics/query", 200, foreign);

        withheld(post("/api/v1/metrics/query", ForwardingTest.METRICS));
    }

    private static void withheld(ValidatableResponse response) {
        String body = response.statusCode(500)
                .contentType("application/problem+json")
                .body("error_type", equalTo("authenticity_violation"))
                .body("service", equalTo(Services.GATEWAY))
                .body("detail", equalTo("The result could not be verified as read from Verity's data and was withheld. "
                        + "The incident is logged under this request id."))
                .extract().asString();
        // Neither the figures nor why the check failed reach the caller.
        assertThat(body).doesNotContain("0.0005", "series", "receipt", "differs", "Exception");
    }
}
