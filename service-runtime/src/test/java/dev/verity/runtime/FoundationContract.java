package dev.verity.runtime;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.verity.local.TestInfra;
import dev.verity.runtime.security.CachingJwtParser;
import io.quarkus.arc.Arc;
import io.smallrye.jwt.auth.principal.JWTParser;
import dev.verity.local.TestUser;
import dev.verity.local.Tokens;
import io.restassured.http.ContentType;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * What every service promises at its edge, run against each service by a {@code FoundationTest}
 * that implements this interface (an interface, so a service's test keeps its own superclass):
 * probes answer, status names the service, tokens are verified, and every bad request (no or a bad
 * token, malformed JSON, a field of the wrong type, an unknown field, an oversized body, an unknown
 * route) is a problem+json that names what was wrong.
 */
public interface FoundationContract {

    TestUser USER = TestUser.of("u-1", "org-a", "mid");

    /**
     * What this service's edge looks like to the shared tests.
     *
     * @param service the service's name as its problems and status give it
     * @param endpoint a route that takes a JSON body from an authenticated caller
     * @param validBody a body {@code endpoint} accepts
     * @param wrongTypeBody a body whose field {@code wrongTypeField} has the wrong JSON type
     * @param malformedBody {@code validBody} cut off in the middle
     * @param unknownFieldBody {@code validBody} plus a field {@code drop_table}
     */
    record Edge(String service, String endpoint, String validBody, String wrongTypeBody, String wrongTypeField,
            String malformedBody, String unknownFieldBody) {
    }

    Edge edge();

    private static Tokens tokens() {
        return TestInfra.get().tokens();
    }

    @Test
    default void probesAreUp() {
        for (String probe : new String[] {"/q/health/live", "/q/health/ready", "/q/health/started"}) {
            given().when().get(probe).then().statusCode(200).body("status", equalTo("UP"));
        }
    }

    @Test
    default void statusNamesTheServiceAndItsRedis() {
        given().when().get("/v1/status").then()
                .statusCode(200)
                .body("service", equalTo(edge().service()))
                .body("components.redis.state", equalTo("up"));
    }

    @Test
    default void requestWithoutTokenIsUnauthenticatedProblem() {
        given().contentType(ContentType.JSON).body(edge().validBody())
                .when().post(edge().endpoint())
                .then().statusCode(401)
                .contentType("application/problem+json")
                .body("error_type", equalTo("unauthenticated"))
                .body("status", equalTo(401))
                .body("retryable", equalTo(false))
                .body("service", equalTo(edge().service()));
    }

    @TestFactory
    default Stream<DynamicTest> badTokensAreRefused() {
        Map<String, Function<TestUser, String>> tokens = Map.of(
                "expired", u -> tokens().expired(u),
                "wrong issuer", u -> tokens().wrongIssuer(u),
                "tampered", u -> tokens().tampered(u),
                "alg none", u -> tokens().unsigned(u),
                "foreign key", u -> tokens().foreignKey(u));
        return tokens.entrySet().stream().map(bad -> DynamicTest.dynamicTest(bad.getKey() + " token is refused", () ->
                given().auth().oauth2(bad.getValue().apply(USER)).contentType(ContentType.JSON).body(edge().validBody())
                        .when().post(edge().endpoint())
                        .then().statusCode(401)
                        .contentType("application/problem+json")
                        .body("error_type", equalTo("unauthenticated"))));
    }

    /**
     * The service verifies a given token once ({@code CachingJwtParser} is the parser in use), and a
     * copy of a kept token with its payload edited is still refused.
     */
    @Test
    default void aTokenIsVerifiedOnceAndAnEditedCopyOfItIsStillRefused() {
        JWTParser parser = Arc.container().instance(JWTParser.class).get();
        org.junit.jupiter.api.Assertions.assertInstanceOf(CachingJwtParser.class, parser);
        long reusesBefore = ((CachingJwtParser) parser).reuses();
        String token = tokens().mint(USER);
        for (int i = 0; i < 2; i++) {
            given().auth().oauth2(token).contentType(ContentType.JSON).body(edge().validBody())
                    .when().post(edge().endpoint())
                    .then().statusCode(not(equalTo(401)));
        }
        org.junit.jupiter.api.Assertions.assertTrue(((CachingJwtParser) parser).reuses() > reusesBefore,
                "the second call used the kept token");

        String[] parts = token.split("\\.");
        String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), java.nio.charset.StandardCharsets.UTF_8)
                .replace("\"tier\":\"mid\"", "\"tier\":\"enterprise\"");
        String edited = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + parts[2];
        given().auth().oauth2(edited).contentType(ContentType.JSON).body(edge().validBody())
                .when().post(edge().endpoint())
                .then().statusCode(401)
                .contentType("application/problem+json")
                .body("error_type", equalTo("unauthenticated"));
    }

    @Test
    default void aFieldOfTheWrongTypeIsANamedInvalidRequest() {
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body(edge().wrongTypeBody())
                .when().post(edge().endpoint())
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("detail", equalTo("Field '" + edge().wrongTypeField() + "' has the wrong type or format."));
    }

    @Test
    default void malformedJsonIsInvalidRequest() {
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body(edge().malformedBody())
                .when().post(edge().endpoint())
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("detail", not(containsString("Exception")));
    }

    @Test
    default void unknownFieldIsNamed() {
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body(edge().unknownFieldBody())
                .when().post(edge().endpoint())
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("detail", containsString("Unknown field 'drop_table'."));
    }

    @Test
    default void oversizedBodyIsPayloadTooLarge() {
        String huge = "{\"message\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}";
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body(huge)
                .when().post(edge().endpoint())
                .then().statusCode(413)
                .contentType("application/problem+json")
                .body("error_type", equalTo("payload_too_large"))
                .body("service", equalTo(edge().service()));
    }

    @Test
    default void unknownRouteIsAProblemToo() {
        given().auth().oauth2(tokens().mint(USER))
                .when().get("/v1/nothing-here")
                .then().statusCode(404)
                .contentType("application/problem+json")
                .body("error_type", equalTo("not_found"));
    }
}
