package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cascade decides for agent runs too. The small model's answer is cut off by its token limit
 * ({@code finish_reason: length}); the cascade scores it when its stream ends and asks the large
 * model. Over HTTP the run waits for that decision and answers with the large model's text; over
 * the WebSocket the user sees the small model's attempt superseded, with the reason, and then the
 * large model's deltas. Both calls are paid for and recorded.
 */
class RunEscalationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRUNCATED = "Your cheapest model served";
    private static final String ANSWER = "Your cheapest model served most of your calls this week.";
    private static VerityStack stack;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
    }

    @BeforeEach
    void smallTruncatesLargeAnswers() {
        // Both models answering first (a warm path), so what the test sees is the quality decision,
        // not a first call that missed its time limit on a loaded machine.
        stack.awaitModelsServe();
        stack.provider().truncates("small", TRUNCATED);
        stack.provider().answers("large", ANSWER);
    }

    @AfterEach
    void modelsServeAgain() {
        stack.provider().reset();
        stack.awaitModelsServe();
    }

    @Test
    void httpChatAnswersWithTheEscalatedModelsTextAndListsThePassedOverAttempt() throws Exception {
        String org = "org-e2e-escalation-http";
        String token = Users.token(Users.of("mid", org));

        Http.Reply reply = Http.post(stack.gateway() + "/api/v1/chat", token,
                "{\"message\":\"Which model served most of my calls?\"}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(reply.body());
        assertThat(body.path("response").asText()).isEqualTo(ANSWER);
        JsonNode provenance = body.path("provenance");
        assertThat(provenance.path("model").asText()).isEqualTo("large");
        assertThat(provenance.path("degraded").asBoolean()).isFalse();
        assertThat(provenance.path("quality_score").asDouble()).isEqualTo(1.0);
        JsonNode attempts = provenance.path("attempts");
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).path("model").asText()).isEqualTo("small");
        assertThat(attempts.get(0).path("outcome").asText()).isEqualTo("low_quality");
        assertThat(attempts.get(0).path("quality_score").asDouble()).isEqualTo(0.3);
        assertThat(attempts.get(0).path("reason").asText()).contains("finish_reason=length");
        assertThat(attempts.get(1).path("model").asText()).isEqualTo("large");
        assertThat(attempts.get(1).path("outcome").asText()).isEqualTo("success");
        assertThat(provenance.path("selection_reasoning").asText())
                .contains("small escalated: finish_reason=length")
                .contains("large streamed and was accepted")
                .doesNotContain("first model in cascade order to start streaming is accepted");
        assertThat(reply.body()).doesNotContain(TRUNCATED + "\"");
        // Both attempts were real calls: both are recorded, the passed-over one included.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(stack.recordedCalls(org))
                .extracting(VerityStack.RecordedCall::model).containsExactlyInAnyOrder("small", "large"));
        assertThat(stack.recordedCalls(org)).allSatisfy(call -> {
            assertThat(call.outcome()).isEqualTo("success");
            assertThat(call.completionTokens()).isPositive();
        });
    }

    @Test
    void theSameRunOverTheSocketShowsTheSupersededAttemptThenTheEscalatedDeltasAndOneTerminalEvent() throws Exception {
        String token = Users.token(Users.of("mid", "org-e2e-escalation-socket"));
        try (EventStream socket = EventStream.open(stack.gateway(), token)) {
            socket.run("Which model served most of my calls?", "ref-escalation");
            await().atMost(Duration.ofSeconds(30)).until(() -> !socket.ofType("agent_started").isEmpty()
                    && !socket.terminalsOf(socket.ofType("agent_started").getFirst().path("request_id").asText()).isEmpty());
            String requestId = socket.ofType("agent_started").getFirst().path("request_id").asText();
            List<JsonNode> run = socket.ofRequest(requestId);

            List<Integer> superseded = new java.util.ArrayList<>();
            for (int i = 0; i < run.size(); i++) {
                if (run.get(i).path("data").has("superseded")) {
                    superseded.add(i);
                }
            }
            assertThat(superseded).hasSize(1);
            int at = superseded.getFirst();
            JsonNode announcement = run.get(at);
            assertThat(announcement.path("type").asText()).isEqualTo("agent_thinking");
            assertThat(announcement.path("data").path("superseded").path("attempt").asInt()).isEqualTo(1);
            assertThat(announcement.path("data").path("superseded").path("model").asText()).isEqualTo("small");
            assertThat(announcement.path("data").path("superseded").path("reason").asText())
                    .contains("finish_reason=length");
            List<JsonNode> before = deltas(run.subList(0, at));
            List<JsonNode> after = deltas(run.subList(at + 1, run.size()));
            assertThat(text(before)).isEqualTo(TRUNCATED);
            assertThat(before).allSatisfy(d -> {
                assertThat(d.path("data").path("attempt").asInt()).isEqualTo(1);
                assertThat(d.path("data").path("model").asText()).isEqualTo("small");
            });
            assertThat(text(after)).isEqualTo(ANSWER);
            assertThat(after).allSatisfy(d -> {
                assertThat(d.path("data").path("attempt").asInt()).isEqualTo(2);
                assertThat(d.path("data").path("model").asText()).isEqualTo("large");
            });
            List<JsonNode> terminals = socket.terminalsOf(requestId);
            assertThat(terminals).singleElement().satisfies(terminal -> {
                assertThat(terminal.path("type").asText()).isEqualTo("agent_completed");
                assertThat(terminal.path("data").path("response").asText()).isEqualTo(ANSWER);
                assertThat(terminal.path("data").path("provenance").path("model").asText()).isEqualTo("large");
            });
            assertThat(run.getLast().path("type").asText()).isEqualTo("agent_completed");
        }
    }

    private static List<JsonNode> deltas(List<JsonNode> events) {
        return events.stream().filter(e -> e.path("data").has("delta")).toList();
    }

    private static String text(List<JsonNode> deltas) {
        return deltas.stream().map(d -> d.path("data").path("delta").asText()).collect(Collectors.joining());
    }
}
