package dev.verity.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.verity.contract.Services;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
@TestProfile(TierHandlingOffTest.Off.class)
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class TierHandlingOffTest extends GatewayTestSupport {

    @Inject
    Pool pool;

    public static class Off implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("verity.tier-handling.enabled", "false");
        }
    }

    @ParameterizedTest(name = "{0}: a clean problem without tier handling")
    @ValueSource(strings = {"enterprise", "free"})
    void withTheFlagOffNeitherTierGetsTierHandling(String tier) {
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", 502, StandIns.problem("tool_failed", 502, "execution-agent", true));

        String requestId = requestId("off-" + tier);
        given().auth().oauth2(tokens().mint(user(tier))).contentType(ContentType.JSON).body("{\"message\":\"hi\"}")
                .header("X-Request-Id", requestId)
                .when().post("/api/v1/chat")
                .then().statusCode(502)
                .contentType("application/problem+json")
                .header("Retry-After", "17")
                .body("error_type", equalTo("tool_failed"))
                .body("retryable", equalTo(true))
                .body("tier_handling", nullValue());

        long tickets = pool.preparedQuery("SELECT count(*) FROM gateway.incidents WHERE $1 = ANY(request_ids)")
                .execute(Tuple.of(requestId)).await().indefinitely().iterator().next().getLong(0);
        assertThat(tickets).isZero();
        standIns.wireMock().verifyThat(0, postRequestedFor(urlEqualTo(DownstreamStandIns.WEBHOOK)));
    }
}
