package dev.verity.data;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.Tokens;
import dev.verity.local.VerityTestResource;
import dev.verity.runtime.FoundationContract;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_data_test"), @ResourceArg(name = "redis-db", value = "2")})
class FoundationTest implements FoundationContract {

    private static final String QUERY = """
            {"metrics":["latency_ms"],"from":"2026-11-01T00:00:00Z","to":"2026-11-02T00:00:00Z","bucket":"PT1H"}""";

    private static Tokens tokens() {
        return TestInfra.get().tokens();
    }

    @Override
    public Edge edge() {
        return new Edge("data-agent", "/v1/metrics/query", QUERY,
                "{\"metrics\":\"tokens\",\"from\":\"2026-11-01T00:00:00Z\",\"to\":\"2026-11-02T00:00:00Z\",\"bucket\":\"PT1H\"}", "metrics",
                "{\"metrics\": [", "{\"metrics\":[\"tokens\"],\"drop_table\":true}");
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
}
