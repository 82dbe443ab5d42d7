package dev.verity.cascade;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.Tokens;
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
        @ResourceArg(name = "database", value = "verity_cascade_test"), @ResourceArg(name = "redis-db", value = "1")})
class FoundationTest {

    private static final TestUser USER = TestUser.of("u-1", "org-a", "mid");
    private static final String QUERY = """
            {"model":"auto","messages":[{"role":"user","content":"hi"}]}""";

    private static Tokens tokens() {
        return TestInfra.get().tokens();
    }

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
                .body("service", equalTo("llm-cascade"))
                .body("status", equalTo("unavailable"))
                .body("reason", equalTo("no provider configured"))
                .body("components.redis.state", equalTo("up"));
    }

    @Test
    void requestWithoutTokenIsUnauthenticatedProblem() {
        given().contentType(ContentType.JSON).body(QUERY)
                .when().post("/v1/chat/completions")
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
                .when().post("/v1/chat/completions")
                .then().statusCode(401)
                .contentType("application/problem+json")
                .body("error_type", equalTo("unauthenticated"));
    }

    @Test
    void withNoProviderConfiguredEveryCompletionIsLlmUnavailable() {
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body(QUERY)
                .header("X-Request-Id", "req-found-1")
                .when().post("/v1/chat/completions")
                .then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", not(equalTo(null)))
                .body("error_type", equalTo("llm_unavailable"))
                .body("instance", equalTo("urn:verity:request:req-found-1"))
                .body("error_context.user_id", equalTo("u-1"))
                .body("error_context.user_tier", equalTo("mid"));
    }

    @Test
    void aFieldOfTheWrongTypeIsANamedInvalidRequest() {
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON)
                .body("{\"model\":\"auto\",\"messages\":\"hello\"}")
                .when().post("/v1/chat/completions")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("detail", containsString("messages"));
    }

    @Test
    void malformedJsonIsInvalidRequest() {
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body("{\"model\":\"au")
                .when().post("/v1/chat/completions")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("detail", not(containsString("Exception")));
    }

    @Test
    void oversizedBodyIsPayloadTooLarge() {
        String huge = "{\"message\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}";
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body(huge)
                .when().post("/v1/chat/completions")
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
