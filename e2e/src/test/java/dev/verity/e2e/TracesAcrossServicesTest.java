package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.verity.e2e.OtlpReceiver.ReceivedSpan;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tracing as an operator turns it on (an OTLP endpoint, here the test's receiver): one OpenAI call
 * through the gateway is one trace across the packaged services, from the gateway's server span to
 * the cascade, one GenAI span per attempt (a fallback is two), and the data agent ingesting the
 * usage events; and every service's /q/metrics has the GenAI histograms with the model labels.
 */
class TracesAcrossServicesTest {

    private static final String SERVER_ERROR = "{\"error\":{\"message\":\"internal\",\"type\":\"server_error\"}}";
    private static final String QUESTION = "Which model answered my traced question?";
    private static final String ANSWER = "The large model answered the traced question.";
    private static final int SERVER = 2;
    private static VerityStack stack;
    private static String token;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
        token = Users.token(Users.of("mid", "org-traces"));
    }

    @BeforeEach
    void clearFaults() {
        stack.provider().reset();
    }

    @AfterEach
    void modelsServeAgain() {
        stack.provider().reset();
        stack.awaitModelsServe();
    }

    @Test
    void aFallbackIsOneTraceFromTheGatewayThroughTwoAttemptSpansToIngestion() {
        stack.provider().failsWith("small", 500, SERVER_ERROR);
        stack.provider().answers("large", ANSWER);
        String traceId = UUID.randomUUID().toString().replace("-", "");

        Http.Reply reply = Http.post(stack.gateway() + "/v1/chat/completions", token, """
                {"model":"auto","messages":[{"role":"user","content":"%s"}]}""".formatted(QUESTION),
                Map.of("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"));

        assertThat(reply.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<ReceivedSpan> trace = stack.traces().trace(traceId);
            return attempts(trace).size() >= 2 && has(trace, "gateway", SERVER) && has(trace, "llm-cascade-service", SERVER)
                    && trace.stream().anyMatch(s -> "usage ingest".equals(s.name()));
        });
        List<ReceivedSpan> trace = stack.traces().trace(traceId);
        ReceivedSpan gateway = only(trace, "gateway", SERVER);
        assertThat(gateway.parentSpanId()).isEqualTo("00f067aa0ba902b7");
        ReceivedSpan cascade = only(trace, "llm-cascade-service", SERVER);
        assertThat(trace).extracting(ReceivedSpan::spanId).contains(cascade.parentSpanId());
        assertThat(trace.stream().filter(s -> s.spanId().equals(cascade.parentSpanId())).findFirst().orElseThrow()
                .service()).isEqualTo("gateway");

        List<ReceivedSpan> attempts = attempts(trace);
        assertThat(attempts).extracting(ReceivedSpan::name).containsExactlyInAnyOrder("chat small", "chat large");
        assertThat(attempts).allSatisfy(attempt -> {
            assertThat(attempt.service()).isEqualTo("llm-cascade-service");
            assertThat(attempt.parentSpanId()).isEqualTo(cascade.spanId());
            assertThat(attempt.attribute("gen_ai.operation.name")).isEqualTo("chat");
            assertThat(attempt.attribute("gen_ai.provider.name")).isEqualTo("openai-compatible");
        });
        ReceivedSpan small = attempts.stream().filter(s -> s.name().equals("chat small")).findFirst().orElseThrow();
        assertThat(small.attribute("gen_ai.request.model")).isEqualTo("small");
        assertThat(small.attribute("error.type")).isEqualTo("llm_upstream_error");
        ReceivedSpan large = attempts.stream().filter(s -> s.name().equals("chat large")).findFirst().orElseThrow();
        assertThat(large.attribute("gen_ai.request.model")).isEqualTo("large");
        assertThat(large.attribute("gen_ai.response.model")).isNotBlank();
        assertThat(large.attribute("gen_ai.usage.input_tokens")).isEqualTo("21");
        assertThat(large.attribute("gen_ai.usage.output_tokens")).isEqualTo("9");
        assertThat(large.attribute("error.type")).isNull();
        assertThat(trace).filteredOn(s -> "usage ingest".equals(s.name()))
                .allSatisfy(s -> assertThat(s.service()).isEqualTo("data-agent-service"));
        // Prompt and answer text stay out of every span (no operator opted in).
        assertThat(trace).allSatisfy(span -> assertThat(span.attributes().values())
                .noneMatch(v -> v.contains(QUESTION) || v.contains(ANSWER)));
    }

    @Test
    void afterACallTheGatewayAndTheCascadeExposeTheGenAiHistogramsWithModelLabels() throws Exception {
        stack.provider().answers("small", "The small model answered.");

        Http.Reply reply = Http.post(stack.gateway() + "/v1/chat/completions", token, """
                {"model":"small","fallback":"deny","messages":[{"role":"user","content":"Which model?"}]}""");

        assertThat(reply.status()).isEqualTo(200);
        String gateway = metrics(stack.gateway());
        assertThat(gateway).containsPattern("gen_ai_client_operation_duration_seconds_bucket\\{[^}]*"
                + "gen_ai_request_model=\"small\",gen_ai_response_model=\"small\"");
        String cascade = metrics(stack.service(VerityStack.CASCADE).url());
        assertThat(cascade)
                .containsPattern("gen_ai_client_operation_duration_seconds_bucket\\{[^}]*gen_ai_request_model=\"small\"")
                .containsPattern("gen_ai_client_token_usage_bucket\\{[^}]*gen_ai_request_model=\"small\"");
    }

    /** Operators' endpoint, not a user's: read without the user-facing scanner (it names exception classes). */
    private static String metrics(String base) throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + "/q/metrics")).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static boolean has(List<ReceivedSpan> trace, String service, int kind) {
        return trace.stream().anyMatch(s -> service.equals(s.service()) && s.kind() == kind);
    }

    private static ReceivedSpan only(List<ReceivedSpan> trace, String service, int kind) {
        List<ReceivedSpan> found = trace.stream().filter(s -> service.equals(s.service()) && s.kind() == kind).toList();
        assertThat(found).as("%s spans of kind %d", service, kind).hasSize(1);
        return found.getFirst();
    }

    private static List<ReceivedSpan> attempts(List<ReceivedSpan> trace) {
        return trace.stream().filter(s -> s.name() != null && s.name().startsWith("chat ")).toList();
    }
}
