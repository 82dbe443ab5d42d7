package dev.verity.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.verity.contract.Services;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class ForwardingTest extends GatewayTestSupport {

    static final String METRICS = """
            {"metrics":["latency_ms"],"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z","bucket":"PT1H"}""";
    static final String SERIES = TestReceipts.signedData("""
            {"series":[],"empty_buckets":[],"source":{"kind":"primary","as_of":"2026-01-02T00:00:00Z","freshness_seconds":0,"degraded":false}}""",
            "/v1/metrics/query");

    static Stream<Arguments> routes() {
        return Stream.of(
                Arguments.of("/api/v1/chat", Services.EXECUTION_AGENT, "/v1/runs", "{\"message\":\"hi\"}",
                        StandIns.runAnswer("r", "Hello from a real model."), 200),
                Arguments.of("/api/v1/metrics/query", Services.DATA_AGENT, "/v1/metrics/query", METRICS, SERIES, 200),
                Arguments.of("/api/v1/cost-analysis", Services.DATA_AGENT, "/v1/cost-analysis",
                        "{\"from\":\"2026-01-01T00:00:00Z\",\"to\":\"2026-01-02T00:00:00Z\",\"alternative\":\"cheapest_successful\"}",
                        TestReceipts.signedData("{\"calls_analysed\":0,\"source\":{\"kind\":\"primary\",\"degraded\":false}}",
                                "/v1/cost-analysis"), 200),
                Arguments.of("/api/v1/usage", Services.DATA_AGENT, "/v1/usage", "{\"calls\":[]}", "{\"stored\":0}", 201),
                Arguments.of("/v1/chat/completions", Services.LLM_CASCADE, "/v1/chat/completions",
                        "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                        StandIns.completion("Hello.", false), 200));
    }

    @ParameterizedTest(name = "{0} forwards the caller's identity")
    @MethodSource("routes")
    void eachRouteForwardsTokenRequestIdAndDeadline(String route, String service, String path, String body, String answer,
                                                    int status) {
        TestUser caller = user("mid");
        String token = tokens().mint(caller);
        String requestId = requestId("fwd");
        standIns.answer(service, path, status, answer);

        given().auth().oauth2(token).contentType(ContentType.JSON).body(body).header("X-Request-Id", requestId)
                .when().post(route)
                .then().statusCode(status);

        List<LoggedRequest> seen = standIns.wireMock().find(postRequestedFor(urlEqualTo(StandIns.PREFIX.get(service) + path)));
        assertThat(seen).hasSize(1);
        LoggedRequest forwarded = seen.get(0);
        assertThat(forwarded.getHeader("Authorization")).isEqualTo("Bearer " + token);
        String forwardedToken = forwarded.getHeader("Authorization").substring("Bearer ".length());
        assertThat(claim(forwardedToken, "sub")).isEqualTo(caller.userId());
        assertThat(claim(forwardedToken, "org")).isEqualTo(caller.orgId());
        assertThat(forwarded.getHeader("X-Request-Id")).isEqualTo(requestId);
        assertThat(Long.parseLong(forwarded.getHeader("X-Request-Deadline"))).isGreaterThan(System.currentTimeMillis());
        assertThat(forwarded.getBodyAsString()).isEqualToIgnoringWhitespace(body);
    }

    @Test
    void aMissingRequestIdIsGeneratedAndTheCallersDeadlineIsKept() {
        long deadline = System.currentTimeMillis() + 45_000;
        standIns.answer(Services.DATA_AGENT, "/v1/metrics/query", 200, SERIES);

        given().auth().oauth2(tokens().mint(user("free"))).contentType(ContentType.JSON).body(METRICS)
                .header("X-Request-Deadline", String.valueOf(deadline))
                .when().post("/api/v1/metrics/query")
                .then().statusCode(200).body("source.kind", equalTo("primary"));

        LoggedRequest forwarded = standIns.wireMock()
                .find(postRequestedFor(urlEqualTo("/data/v1/metrics/query"))).get(0);
        assertThat(forwarded.getHeader("X-Request-Id")).matches("[0-9a-f-]{36}");
        assertThat(forwarded.getHeader("X-Request-Deadline")).isEqualTo(String.valueOf(deadline));
    }

    @Test
    void aDownstreamProblemIsPassedOnWithItsTypeStatusAndRetryAfter() {
        standIns.answer(Services.DATA_AGENT, "/v1/metrics/query", 503, StandIns.problem("data_unavailable", 503, "data-agent", true));

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body(METRICS)
                .header("X-Request-Id", "pass-1")
                .when().post("/api/v1/metrics/query")
                .then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", "17")
                .body("error_type", equalTo("data_unavailable"))
                .body("service", equalTo("data-agent"))
                .body("detail", equalTo("The data-agent failed honestly."));
    }

    @Test
    void aDownstreamThatDropsTheConnectionIsServiceUnavailableAndMarkedSo() {
        standIns.wireMock().register(com.github.tomakehurst.wiremock.client.WireMock.post(urlEqualTo("/agent/v1/runs"))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                        .withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body("{\"message\":\"hi\"}")
                .when().post("/api/v1/chat")
                .then().statusCode(503)
                .contentType("application/problem+json")
                .body("error_type", equalTo("service_unavailable"))
                .body("detail", equalTo("The execution-agent service could not be reached."));

        given().when().get("/api/v1/status").then()
                .body("services.execution-agent.status", equalTo("unavailable"));
    }

    @Test
    void aDownstreamSlowerThanTheDeadlineIsATimeoutProblem() {
        standIns.slowAnswer(Services.EXECUTION_AGENT, "/v1/runs", 10_000, StandIns.runAnswer("r", "late"));

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body("{\"message\":\"hi\"}")
                .header("X-Request-Deadline", String.valueOf(System.currentTimeMillis() + 1_500))
                .when().post("/api/v1/chat")
                .then().statusCode(504)
                .body("error_type", equalTo("agent_timeout"));
    }

    @Test
    void anInvalidChatIsRefusedBeforeAnythingIsForwarded() {
        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON)
                .body("{\"message\":\"hi\",\"history\":[{\"role\":\"system\",\"content\":\"x\"}]}")
                .when().post("/api/v1/chat")
                .then().statusCode(400)
                .body("error_type", equalTo("invalid_request"))
                .body("detail", equalTo("Field 'history[0].role' must be 'user' or 'assistant'."));
        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body("{\"message\":\"\"}")
                .when().post("/api/v1/chat")
                .then().statusCode(400)
                .body("detail", equalTo("Field 'message' is required and must not be blank."));
        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body("{\"message\":\"hi\"}")
                .header("X-Request-Deadline", "tomorrow")
                .when().post("/api/v1/chat")
                .then().statusCode(400)
                .body("detail", equalTo("X-Request-Deadline must be epoch milliseconds."));

        standIns.wireMock().verifyThat(0, postRequestedFor(urlEqualTo("/agent/v1/runs")));
    }

    @Test
    void dataRoutesNeedAToken() {
        given().contentType(ContentType.JSON).body(METRICS)
                .when().post("/api/v1/metrics/query")
                .then().statusCode(401).body("error_type", equalTo("unauthenticated"));
        standIns.wireMock().verifyThat(0, postRequestedFor(urlEqualTo("/data/v1/metrics/query"))
                .withHeader("X-Request-Id", matching(".*")));
    }
}
