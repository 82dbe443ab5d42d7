package dev.verity.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class FoundationTest extends GatewayTestSupport {

    private static final TestUser USER = TestUser.of("u-1", "org-a", "mid");
    private static final String QUERY = """
            {"message":"How fast were my calls today?"}""";

    @Test
    void probesAreUp() {
        for (String probe : new String[] {"/q/health/live", "/q/health/ready", "/q/health/started"}) {
            given().when().get(probe).then().statusCode(200).body("status", equalTo("UP"));
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
    void requestWithoutTokenIsUnauthenticatedProblem() {
        given().contentType(ContentType.JSON).body(QUERY)
                .when().post("/api/v1/chat")
                .then().statusCode(401)
                .contentType("application/problem+json")
                .body("error_type", equalTo("unauthenticated"))
                .body("status", equalTo(401))
                .body("retryable", equalTo(false));
    }

    static Stream<Arguments> badTokens() {
        return Stream.of(
                Arguments.of("expired", (Function<TestUser, String>) u -> tokens().expired(u)),
                Arguments.of("wrong issuer", (Function<TestUser, String>) u -> tokens().wrongIssuer(u)),
                Arguments.of("tampered", (Function<TestUser, String>) u -> tokens().tampered(u)),
                Arguments.of("alg none", (Function<TestUser, String>) u -> tokens().unsigned(u)),
                Arguments.of("foreign key", (Function<TestUser, String>) u -> tokens().foreignKey(u)));
    }

    @ParameterizedTest(name = "{0} token is refused")
    @MethodSource("badTokens")
    void badTokensAreRefused(String name, Function<TestUser, String> token) {
        given().auth().oauth2(token.apply(USER)).contentType(ContentType.JSON).body(QUERY)
                .when().post("/api/v1/chat")
                .then().statusCode(401)
                .contentType("application/problem+json")
                .body("error_type", equalTo("unauthenticated"));
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

    @Test
    void aFieldOfTheWrongTypeIsANamedInvalidRequest() {
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON)
                .body("{\"message\":\"hi\",\"history\":\"all\"}")
                .when().post("/api/v1/chat")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("detail", containsString("history"));
    }

    @Test
    void malformedJsonIsInvalidRequest() {
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body("{\"message\":\"")
                .when().post("/api/v1/chat")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("detail", not(containsString("Exception")));
    }

    @Test
    void unknownFieldIsNamed() {
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON)
                .body("{\"message\":\"How fast were my calls today?\",\"drop_table\":true}")
                .when().post("/api/v1/chat")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("detail", containsString("drop_table"));
    }

    @Test
    void oversizedBodyIsPayloadTooLarge() {
        String huge = "{\"message\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}";
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body(huge)
                .when().post("/api/v1/chat")
                .then().statusCode(413)
                .contentType("application/problem+json")
                .body("error_type", equalTo("payload_too_large"));
    }

    @Test
    void unknownRouteIsAProblemToo() {
        given().auth().oauth2(tokens().mint(USER))
                .when().get("/v1/nothing-here")
                .then().statusCode(404)
                .contentType("application/problem+json")
                .body("error_type", equalTo("not_found"));
    }
}
