package dev.verity.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.verity.contract.Services;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** The early tier allows two requests per minute in the test profile. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class RateLimitTest extends GatewayTestSupport {

    @Inject
    RedisDataSource redis;

    @Test
    void overTheTierLimitIsRateLimitedWithRetryAfterAndNothingIsForwarded() {
        TestUser early = user("early");
        String token = tokens().mint(early);
        standIns.answer(Services.DATA_AGENT, "/v1/metrics/query", 200, ForwardingTest.SERIES);

        for (int i = 0; i < 2; i++) {
            given().auth().oauth2(token).contentType(ContentType.JSON).body(ForwardingTest.METRICS)
                    .when().post("/api/v1/metrics/query").then().statusCode(200);
        }
        String retryAfter = given().auth().oauth2(token).contentType(ContentType.JSON).body(ForwardingTest.METRICS)
                .when().post("/api/v1/metrics/query")
                .then().statusCode(429)
                .contentType("application/problem+json")
                .body("error_type", equalTo("rate_limited"))
                .body("retryable", equalTo(true))
                .body("tier_handling.enterprise_escalation", equalTo(false))
                .extract().header("Retry-After");

        assertThat(Integer.parseInt(retryAfter)).isBetween(1, 60);
        assertThat(redis.value(Long.class).get("verity:rl:" + early.userId())).isEqualTo(3L);
        standIns.wireMock().verifyThat(2, com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo("/data/v1/metrics/query")));
    }

    @Test
    void limitsArePerUser() {
        standIns.answer(Services.DATA_AGENT, "/v1/metrics/query", 200, ForwardingTest.SERIES);
        for (TestUser someone : new TestUser[] {user("early"), user("early"), user("early")}) {
            given().auth().oauth2(tokens().mint(someone)).contentType(ContentType.JSON).body(ForwardingTest.METRICS)
                    .when().post("/api/v1/metrics/query").then().statusCode(200);
        }
    }
}
