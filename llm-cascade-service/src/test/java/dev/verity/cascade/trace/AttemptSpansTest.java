package dev.verity.cascade.trace;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.verity.cascade.service.ModelGuards;
import dev.verity.cascade.standin.InjectWireMock;
import dev.verity.cascade.standin.OpenAi;
import dev.verity.cascade.standin.OpenAiStandIn;
import dev.verity.local.PrometheusText;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import dev.verity.runtime.trace.TracingOn;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, a call continues the caller's trace: the server span, then one
 * {@code chat <model>} span per cascade attempt carrying the GenAI attributes and the outcome.
 */
@QuarkusTest
@TestProfile(TracingOn.class)
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_cascade_test"), @ResourceArg(name = "redis-db", value = "1")})
@WithTestResource(OpenAiStandIn.class)
class AttemptSpansTest {

    static final TestUser USER = TestUser.of("u-trace", "org-trace", "mid");
    static final String PROMPT = "How many people live in Lyon?";
    static final String ANSWER = "About 520,000 people.";

    @InjectWireMock
    WireMockServer wireMock;

    @Inject
    ModelGuards guards;

    @Inject
    InMemorySpanExporter spans;

    @BeforeEach
    void fresh() {
        wireMock.resetAll();
        guards.reset();
        spans.reset();
    }

    @Test
    void oneAnswerIsOneAttemptSpanInTheCallersTrace() {
        OpenAi.stub(wireMock, "small", OpenAi.answer("chatcmpl-t1", ANSWER, "stop", 31, 12));
        String traceId = randomHex(32);
        BigDecimal fallbacks = fallbacks("small");

        ask("small", traceparent(traceId)).then().statusCode(200);

        assertThat(fallbacks("small")).as("the first route answered: no fallback").isEqualByComparingTo(fallbacks);

        List<SpanData> trace = awaitSpans(traceId, 1);
        SpanData server = server(trace);
        SpanData attempt = attempts(trace).getFirst();
        assertThat(attempt.getName()).isEqualTo("chat small");
        assertThat(attempt.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(attempt.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(str(attempt, "gen_ai.operation.name")).isEqualTo("chat");
        assertThat(str(attempt, "gen_ai.provider.name")).isEqualTo("openai-compatible");
        assertThat(str(attempt, "gen_ai.request.model")).isEqualTo("small");
        assertThat(str(attempt, "gen_ai.response.model")).isEqualTo("upstream-model");
        assertThat(attempt.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens"))).isEqualTo(31L);
        assertThat(attempt.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens"))).isEqualTo(12L);
        assertThat(str(attempt, "verity.attempt.outcome")).isEqualTo("success");
        assertThat(str(attempt, "error.type")).isNull();
        assertThat(attempt.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
        // No prompt or answer text anywhere unless an operator opts in.
        trace.forEach(span -> assertThat(span.getAttributes().toString()).doesNotContain(PROMPT).doesNotContain(ANSWER));
    }

    @Test
    void aFallbackIsTwoAttemptSpansTheFirstWithItsErrorType() {
        OpenAi.stub(wireMock, "small", OpenAi.error(500, "server_error"));
        OpenAi.stub(wireMock, "large", OpenAi.answer("chatcmpl-t2", ANSWER, "stop", 40, 9));
        String traceId = randomHex(32);
        BigDecimal fallbacks = fallbacks("large");

        ask("auto", traceparent(traceId)).then().statusCode(200);

        // The answer came from large in place of the failed small: one fallback, counted for large.
        assertThat(fallbacks("large")).isEqualByComparingTo(fallbacks.add(BigDecimal.ONE));

        List<SpanData> attempts = attempts(awaitSpans(traceId, 2));
        assertThat(attempts).extracting(SpanData::getName).containsExactly("chat small", "chat large");
        SpanData failed = attempts.getFirst();
        assertThat(str(failed, "error.type")).isEqualTo("llm_upstream_error");
        assertThat(str(failed, "verity.attempt.outcome")).isEqualTo("upstream_error");
        assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(str(failed, "gen_ai.response.model")).isNull();
        SpanData answered = attempts.get(1);
        assertThat(str(answered, "verity.attempt.outcome")).isEqualTo("success");
        assertThat(answered.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens"))).isEqualTo(9L);
        assertThat(attempts).extracting(SpanData::getParentSpanId).containsOnly(failed.getParentSpanId());
    }

    @Test
    void everyModelFailingLeavesEveryAttemptMarkedFailed() {
        OpenAi.stub(wireMock, "small", OpenAi.error(401, "invalid_api_key"));
        OpenAi.stub(wireMock, "large", OpenAi.error(500, "server_error"));
        OpenAi.stub(wireMock, "local", OpenAi.error(500, "server_error"));
        String traceId = randomHex(32);

        ask("auto", traceparent(traceId)).then().statusCode(502);

        List<SpanData> attempts = attempts(awaitSpans(traceId, 3));
        assertThat(attempts).allSatisfy(span -> {
            assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(str(span, "error.type")).startsWith("llm_");
        });
        assertThat(attempts).extracting(span -> str(span, "error.type")).contains("llm_auth_failed");
    }

    @Test
    void theGenAiHistogramsCarryTheModelLabels() {
        OpenAi.stub(wireMock, "small", OpenAi.answer("chatcmpl-t3", ANSWER, "stop", 31, 12));

        ask("small", traceparent(randomHex(32))).then().statusCode(200);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics)
                .containsPattern("gen_ai_client_operation_duration_seconds_bucket\\{[^}]*gen_ai_request_model=\"small\"")
                .containsPattern("gen_ai_client_operation_duration_seconds_count\\{[^}]*error_type=\"none\"[^}]*"
                        + "gen_ai_request_model=\"small\",gen_ai_response_model=\"upstream-model\"[^}]*} [1-9]")
                .containsPattern("gen_ai_client_token_usage_bucket\\{[^}]*gen_ai_token_type=\"input\"")
                .containsPattern("gen_ai_client_token_usage_sum\\{[^}]*gen_ai_request_model=\"small\"[^}]*"
                        + "gen_ai_token_type=\"output\"[^}]*} [1-9]");
    }

    private static BigDecimal fallbacks(String model) {
        return PrometheusText.sum(given().get("/q/metrics").then().statusCode(200).extract().asString(),
                "verity_cascade_fallbacks_total", Map.of("model", model));
    }

    private List<SpanData> awaitSpans(String traceId, int attempts) {
        await().atMost(Duration.ofSeconds(10)).until(() -> attempts(inTrace(traceId)).size() >= attempts
                && inTrace(traceId).stream().anyMatch(s -> s.getKind() == SpanKind.SERVER));
        List<SpanData> trace = inTrace(traceId);
        assertThat(attempts(trace)).hasSize(attempts);
        return trace;
    }

    private List<SpanData> inTrace(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    private static List<SpanData> attempts(List<SpanData> trace) {
        return trace.stream().filter(s -> s.getName().startsWith("chat "))
                .sorted((a, b) -> Long.compare(a.getStartEpochNanos(), b.getStartEpochNanos())).toList();
    }

    private static SpanData server(List<SpanData> trace) {
        return trace.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
    }

    private static String str(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    private static io.restassured.response.Response ask(String model, String traceparent) {
        return given().auth().oauth2(TestInfra.get().tokens().mint(USER)).contentType(ContentType.JSON)
                .header("X-Request-Id", UUID.randomUUID().toString()).header("traceparent", traceparent)
                .body("""
                        {"model":"%s","messages":[{"role":"user","content":"%s"}]}""".formatted(model, PROMPT))
                .when().post("/v1/chat/completions");
    }

    static String traceparent(String traceId) {
        return "00-" + traceId + "-" + randomHex(16) + "-01";
    }

    static String randomHex(int length) {
        return UUID.randomUUID().toString().replace("-", "").repeat(2).substring(0, length);
    }
}
