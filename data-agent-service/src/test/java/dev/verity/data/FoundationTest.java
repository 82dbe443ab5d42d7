package dev.verity.data;

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
        @ResourceArg(name = "database", value = "verity_data_test"), @ResourceArg(name = "redis-db", value = "2")})
class FoundationTest {

    private static final TestUser USER = TestUser.of("u-1", "org-a", "mid");
    private static final String QUERY = """
            {"metrics":["latency_ms"],"from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","bucket":"PT1H"}""";

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
    void statusReportsRealPostgresAndRedis() {
        given().when().get("/v1/status").then()
                .statusCode(200)
                .body("service", equalTo("data-agent"))
                .body("status", equalTo("ready"))
                .body("components.postgres.state", equalTo("up"))
                .body("components.redis.state", equalTo("up"));
    }

    @Test
    void requestWithoutTokenIsUnauthenticatedProblem() {
        given().contentType(ContentType.JSON).body(QUERY)
                .when().post("/v1/metrics/query")
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
                .when().post("/v1/metrics/query")
                .then().statusCode(401)
                .contentType("application/problem+json")
                .body("error_type", equalTo("unauthenticated"));
    }

    @Test
    void validTokenIsAcceptedAndAnEmptyWindowIsAnHonestEmptyResultNotAnInventedOne() {
        // A fresh org has no recorded calls: every bucket is listed as empty, no value is made up.
        TestUser fresh = TestUser.of("u-1", "org-foundation-" + java.util.UUID.randomUUID(), "mid");
        given().auth().oauth2(tokens().mint(fresh)).contentType(ContentType.JSON).body(QUERY)
                .header("X-Request-Id", "req-found-1")
                .when().post("/v1/metrics/query")
                .then().statusCode(200)
                .body("series[0].metric", equalTo("latency_ms"))
                .body("series[0].buckets.size()", equalTo(0))
                .body("empty_buckets.size()", equalTo(24))
                .body("source.kind", equalTo("primary"))
                .body("source.degraded", equalTo(false));
    }

    @Test
    void aFieldOfTheWrongTypeIsANamedInvalidRequest() {
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON)
                .body("{\"metrics\":\"tokens\",\"from\":\"2026-11-01T00:00:00Z\",\"to\":\"2026-11-02T00:00:00Z\",\"bucket\":\"PT1H\"}")
                .when().post("/v1/metrics/query")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("detail", containsString("metrics"));
    }

    @Test
    void malformedJsonIsInvalidRequest() {
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body("{\"metrics\": [")
                .when().post("/v1/metrics/query")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("detail", not(containsString("Exception")));
    }

    @Test
    void unknownFieldIsNamed() {
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON)
                .body("{\"metrics\":[\"tokens\"],\"drop_table\":true}")
                .when().post("/v1/metrics/query")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("detail", containsString("drop_table"));
    }

    @Test
    void oversizedBodyIsPayloadTooLarge() {
        String huge = "{\"metrics\":[\"" + "x".repeat(3 * 1024 * 1024) + "\"]}";
        given().auth().oauth2(tokens().mint(USER)).contentType(ContentType.JSON).body(huge)
                .when().post("/v1/metrics/query")
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
