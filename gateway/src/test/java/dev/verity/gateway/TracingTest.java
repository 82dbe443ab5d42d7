package dev.verity.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.verity.contract.Services;
import dev.verity.local.VerityTestResource;
import dev.verity.runtime.trace.TracingOn;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, a completion through the gateway is one trace: the gateway's server span, and
 * the W3C {@code traceparent} of that trace on the call to the cascade, which continues it there.
 * The GenAI client histograms record the call with the caller's and the answering model.
 */
@QuarkusTest
@TestProfile(TracingOn.class)
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class TracingTest extends GatewayTestSupport {

    private static final String BODY = """
            {"model":"auto","messages":[{"role":"user","content":"How many people live in Lyon?"}]}""";

    @Inject
    InMemorySpanExporter spans;

    @Test
    void aCompletionIsOneTraceThatTheCascadeCallContinues() {
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 200, StandIns.completion("About 520,000.", false));
        String requestId = requestId("trace");

        complete(requestId).then().statusCode(200);

        LoggedRequest forwarded = standIns.wireMock().find(postRequestedFor(urlEqualTo("/cascade/v1/chat/completions"))
                .withHeader("traceparent", matching("00-[0-9a-f]{32}-[0-9a-f]{16}-01"))).getFirst();
        String traceId = forwarded.getHeader("traceparent").split("-")[1];
        assertThat(forwarded.getHeader("X-Request-Id")).isEqualTo(requestId);
        await().atMost(Duration.ofSeconds(10)).until(() -> !server(traceId).isEmpty());
        SpanData server = server(traceId).getFirst();
        assertThat(server.getName()).contains("/v1/chat/completions");
        // The cascade's parent is a span of the gateway's own trace: the server span or its client span.
        String parent = forwarded.getHeader("traceparent").split("-")[2];
        await().atMost(Duration.ofSeconds(10)).until(() -> inTrace(traceId).stream()
                .anyMatch(span -> span.getSpanId().equals(parent)));
        assertThat(inTrace(traceId)).allSatisfy(span -> assertThat(span.getAttributes().toString())
                .doesNotContain("How many people live in Lyon?").doesNotContain("About 520,000."));
    }

    @Test
    void aCallersTraceparentIsContinuedNotReplaced() {
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 200, StandIns.completion("About 520,000.", false));
        String traceId = UUID.randomUUID().toString().replace("-", "");

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON)
                .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01").body(BODY)
                .when().post("/v1/chat/completions").then().statusCode(200);

        standIns.wireMock().verifyThat(1, postRequestedFor(urlEqualTo("/cascade/v1/chat/completions"))
                .withHeader("traceparent", matching("00-" + traceId + "-[0-9a-f]{16}-01")));
        await().atMost(Duration.ofSeconds(10)).until(() -> !server(traceId).isEmpty());
        assertThat(server(traceId).getFirst().getParentSpanId()).isEqualTo("00f067aa0ba902b7");
    }

    @Test
    void theGenAiHistogramsCountTheCallByModelAndFailuresByErrorType() {
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 200, StandIns.completion("About 520,000.", false));
        complete(requestId("metrics")).then().statusCode(200);
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 503,
                StandIns.problem("llm_unavailable", 503, Services.LLM_CASCADE, true));
        complete(requestId("metrics-failed")).then().statusCode(503);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics)
                .containsPattern("gen_ai_client_operation_duration_seconds_count\\{[^}]*error_type=\"none\"[^}]*"
                        + "gen_ai_provider_name=\"verity\",gen_ai_request_model=\"auto\",gen_ai_response_model=\"small\"")
                .containsPattern("gen_ai_client_operation_duration_seconds_count\\{[^}]*error_type=\"llm_unavailable\"")
                .containsPattern("gen_ai_client_token_usage_sum\\{[^}]*gen_ai_response_model=\"small\""
                        + "[^}]*gen_ai_token_type=\"output\"[^}]*} [1-9]");
    }

    private io.restassured.response.Response complete(String requestId) {
        return given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON)
                .header("X-Request-Id", requestId).body(BODY).when().post("/v1/chat/completions");
    }

    private List<SpanData> inTrace(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    private List<SpanData> server(String traceId) {
        return inTrace(traceId).stream().filter(s -> s.getKind() == SpanKind.SERVER).toList();
    }
}
