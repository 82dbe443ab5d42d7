package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Suite 1 of the test plan: every provider failure during an agent run, through the public
 * gateway, ends in a real answer from another model (flagged degraded) or a clean problem of the
 * right type. Never "I apologize…" or "fallback response for…" (the scanner checks every body).
 */
class AgentExecutionSuiteTest {

    private static final String ANSWER = "Your p95 latency over the last day was 812 ms.";
    private static VerityStack stack;
    private static String mid;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
        mid = Users.token(Users.of("mid", "org-agent-suite"));
    }

    @BeforeEach
    void clearFaults() {
        stack.provider().reset();
    }

    @AfterEach
    void modelsServeAgain() {
        stack.awaitModelsServe();
    }

    private static Http.Reply chat(String token, String message) {
        return Http.post(stack.gateway() + "/api/v1/chat", token, "{\"message\":\"" + message + "\"}",
                Http.deadlineIn(Duration.ofSeconds(20)));
    }

    @Test
    void aHealthyProviderGivesTheRealAnswerWithItsProvenance() {
        String providerId = stack.provider().answers("small", ANSWER);

        Http.Reply reply = chat(mid, "How fast were my calls today?");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.path("response").asText()).isEqualTo(ANSWER);
        assertThat(body.path("provenance").path("model").asText()).isEqualTo("small");
        assertThat(body.path("provenance").path("provider_request_id").asText()).isEqualTo(providerId);
        assertThat(body.path("provenance").path("degraded").asBoolean()).isFalse();
        assertThat(body.path("request_id").asText()).isNotBlank();
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void whenTheCheapModelFailsTheOtherModelAnswersFlaggedDegraded(Fault fault) {
        fault.applyTo(stack.provider(), "small");
        stack.provider().answers("large", ANSWER);

        Http.Reply reply = chat(mid, "How fast were my calls today?");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode provenance = reply.json().path("provenance");
        assertThat(reply.json().path("response").asText()).isEqualTo(ANSWER);
        assertThat(provenance.path("model").asText()).isEqualTo("large");
        assertThat(provenance.path("degraded").asBoolean()).isTrue();
        List<String> failedModels = new ArrayList<>();
        provenance.path("attempts").forEach(a -> {
            if (!"success".equals(a.path("outcome").asText())) {
                failedModels.add(a.path("model").asText());
            }
        });
        assertThat(failedModels).contains("small");
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void whenEveryModelFailsTheUserGetsTheRightCleanProblem(Fault fault) {
        fault.applyTo(stack.provider(), "small");
        fault.applyTo(stack.provider(), "large");

        Http.Reply reply = chat(mid, "How fast were my calls today?");

        JsonNode problem = reply.json();
        assertThat(reply.status()).as(reply.body()).isEqualTo(fault.status);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        assertThat(problem.path("error_type").asText()).isEqualTo(fault.errorType);
        assertThat(problem.has("response")).isFalse();
        assertThat(problem.path("detail").asText()).isNotBlank();
        if (problem.path("retryable").asBoolean()) {
            assertThat(reply.header("Retry-After")).isNotBlank();
        }
        assertThat(problem.path("tier_handling").path("enterprise_escalation").asBoolean()).isFalse();
    }

    @Test
    void aPromptBeyondEveryContextWindowIsRefusedWithoutAProviderCall() {
        stack.provider().answers("small", ANSWER);
        stack.provider().answers("large", ANSWER);

        Http.Reply reply = chat(mid, "tell me about my usage ".repeat(1300));

        assertThat(reply.status()).as(reply.body()).isEqualTo(400);
        assertThat(reply.json().path("error_type").asText()).isEqualTo("llm_context_length_exceeded");
        assertThat(stack.provider().requestsTo("small") + stack.provider().requestsTo("large")).isZero();
    }

    @Test
    void anInvalidRequestIsRefusedAndNoModelIsCalled() {
        stack.provider().answers("small", ANSWER);

        Http.Reply empty = chat(mid, "");
        Http.Reply wrongType = Http.post(stack.gateway() + "/api/v1/chat", mid, "{\"message\":\"hi\",\"history\":\"all\"}");

        for (Http.Reply reply : List.of(empty, wrongType)) {
            assertThat(reply.status()).as(reply.body()).isEqualTo(400);
            assertThat(reply.json().path("error_type").asText()).isEqualTo("invalid_request");
        }
        assertThat(stack.provider().requestsTo("small")).isZero();
    }
}
