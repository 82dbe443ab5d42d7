package dev.verity.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.verity.contract.Services;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Redis down is a degradation, not an outage: polling only, limits fail open. */
@QuarkusTest
@WithTestResource(value = RedisDownInfra.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class RedisDownTest extends GatewayTestSupport {

    @Test
    void theGatewaySaysItIsDegradedAndKnowsServiceStatusFromPolls() {
        given().when().get("/v1/status").then().statusCode(200)
                .body("status", equalTo("degraded"))
                .body("reason", containsString("service status by polling only"))
                .body("components.redis.state", equalTo("down"))
                .body("components.postgres.state", equalTo("up"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().when().get("/api/v1/status").then()
                .body("status_updates", equalTo("polled only (Redis unreachable)")));

        standIns.status(Services.EXECUTION_AGENT, "unavailable");
        poll();
        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body("{\"message\":\"hi\"}")
                .when().post("/api/v1/chat")
                .then().statusCode(503).body("error_type", equalTo("service_unavailable"));
        standIns.wireMock().verifyThat(0, postRequestedFor(urlEqualTo("/agent/v1/runs")));
    }

    @Test
    void rateLimitsFailOpenSoRequestsAreStillServed() {
        standIns.answer(Services.DATA_AGENT, "/v1/metrics/query", 200, ForwardingTest.SERIES);
        String token = tokens().mint(user("early"));
        // The early tier allows two per window; with Redis down nothing can be counted.
        for (int i = 0; i < 4; i++) {
            given().auth().oauth2(token).contentType(ContentType.JSON).body(ForwardingTest.METRICS)
                    .when().post("/api/v1/metrics/query")
                    .then().statusCode(200).body("source.kind", equalTo("primary"));
        }
        standIns.wireMock().verifyThat(4, postRequestedFor(urlEqualTo("/data/v1/metrics/query")));
    }
}
