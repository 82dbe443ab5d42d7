package dev.verity.cascade;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.verity.local.TestInfra;
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
        @ResourceArg(name = "database", value = "verity_cascade_test"), @ResourceArg(name = "redis-db", value = "1")})
class FoundationTest implements FoundationContract {

    private static final String QUERY = """
            {"model":"auto","messages":[{"role":"user","content":"hi"}]}""";

    private static Tokens tokens() {
        return TestInfra.get().tokens();
    }

    @Override
    public Edge edge() {
        return new Edge("llm-cascade", "/v1/chat/completions", QUERY,
                "{\"model\":\"auto\",\"messages\":\"hello\"}", "messages",
                "{\"model\":\"au", "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"drop_table\":true}");
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
}
