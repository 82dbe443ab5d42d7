package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An agent run over the real chain: the real cascade asks the provider stand-in, the model asks
 * for {@code query_metrics}, the real data agent answers from real rows in PostgreSQL, and the
 * model's final answer comes back with its provenance. The events are exactly the work that
 * happened, in order.
 */
class AgentToolRunTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static VerityStack stack;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
    }

    @Test
    void aRunThatUsesARealToolShowsTheRealStepsAndTheModelSeesTheRealRows() throws Exception {
        String token = Users.token(Users.of("mid", "org-e2e-tools"));
        Http.Reply seeded = Http.post(stack.gateway() + "/api/v1/usage", token, """
                {"calls":[
                 {"id":"%1$s-1","request_id":"r1","model":"small","provider":"openai-compatible","prompt_tokens":10,"completion_tokens":5,"cost_usd":0.000004,"latency_ms":300,"outcome":"success","created_at":"2026-11-23T10:05:00Z"},
                 {"id":"%1$s-2","request_id":"r2","model":"small","provider":"openai-compatible","prompt_tokens":10,"completion_tokens":5,"cost_usd":0.000004,"latency_ms":500,"outcome":"success","created_at":"2026-11-23T10:20:00Z"}
                ]}""".formatted(UUID.randomUUID()));
        assertThat(seeded.status()).as(seeded.body()).isEqualTo(201);
        stack.provider().reset();
        stack.provider().callsToolThenAnswers("small", "query_metrics",
                "{\"metrics\":[\"latency_ms\"],\"from\":\"2026-11-23T10:00:00Z\",\"to\":\"2026-11-23T11:00:00Z\",\"bucket\":\"PT1H\"}",
                "Your median latency in that hour was 400 ms.");

        Http.Reply run = Http.post(stack.service(VerityStack.AGENT).url() + "/v1/runs", token,
                "{\"message\":\"What was my median latency on Nov 23 between 10 and 11 UTC?\",\"stream\":true}",
                Map.of("Accept", "text/event-stream"));

        List<JsonNode> events = new ArrayList<>();
        for (String line : run.body().split("\n")) {
            if (line.startsWith("data:")) {
                events.add(JSON.readTree(line.substring(5).trim()));
            }
        }
        // Steps are the events without token deltas; the deltas are the answer as it streamed in.
        List<JsonNode> deltas = events.stream().filter(e -> e.path("data").has("delta")).toList();
        assertThat(events.stream().filter(e -> !e.path("data").has("delta")).map(e -> e.path("type").asText()).toList())
                .containsExactly("agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_thinking",
                        "agent_completed");
        assertThat(events).allSatisfy(e -> assertThat(e.path("event_id").asText()).isNotBlank());
        JsonNode completed = events.getLast().path("data");
        assertThat(completed.path("response").asText()).isEqualTo("Your median latency in that hour was 400 ms.");
        assertThat(deltas).isNotEmpty().allSatisfy(d -> {
            assertThat(d.path("type").asText()).isEqualTo("agent_thinking");
            assertThat(d.path("data").path("model").asText()).isEqualTo("small");
        });
        assertThat(deltas.stream().map(d -> d.path("data").path("delta").asText()).reduce("", String::concat))
                .isEqualTo(completed.path("response").asText());
        assertThat(completed.path("provenance").path("model").asText()).isEqualTo("small");
        assertThat(completed.path("provenance").path("provider_request_id").asText()).startsWith("chatcmpl-e2e-final-");
        // What the model was told is what PostgreSQL holds: the median of 300 ms and 500 ms.
        List<String> toModel = stack.provider().requestBodies("small");
        assertThat(toModel).hasSize(2);
        assertThat(toModel.get(1)).contains("call_e2e_1").contains("400");
        stack.provider().reset();
    }
}
