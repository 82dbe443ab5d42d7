package dev.verity.agent.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.agent.support.ChunkStream;
import dev.verity.agent.support.Json;
import dev.verity.contract.Attempt;
import dev.verity.contract.Provenance;
import dev.verity.contract.Usage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** How a streamed answer is assembled: text in order, tool-call fragments per index, nothing past its end. */
class StreamedTurnTest {

    private static final CallContext CALL = new CallContext("token", "req-turn", Instant.now().plusSeconds(30));
    private final Bodies bodies = new Bodies(Json.MAPPER);
    private final CompletionReader reader = new CompletionReader(bodies);

    @Test
    void interleavedToolCallFragmentsAreJoinedPerIndexAndTheTurnCarriesTheProvenance() {
        StreamedTurn turn = new StreamedTurn(bodies, reader, CALL, null, "large");
        ChunkStream chunks = new ChunkStream("chatcmpl-1", "large")
                .raw(fragment(1, "call_b", "cost_analysis", ""))
                .raw(fragment(0, "call_a", "query_metrics", "{\"metrics\":"))
                .raw(fragment(1, null, null, "{\"from\":\"2026-11-01T00:00:00Z\"}"))
                .raw(fragment(0, null, null, "[\"latency_ms\"]}"))
                .finish("tool_calls").provenance(provenance()).done();

        List<StreamedTurn.Step> steps = turn.readAll(events(chunks));

        assertThat(steps).singleElement().isInstanceOf(StreamedTurn.Step.End.class);
        CascadeReply reply = ((StreamedTurn.Step.End) steps.get(0)).reply();
        assertThat(reply).isInstanceOf(CascadeReply.Answered.class);
        ModelTurn model = ((CascadeReply.Answered) reply).turn();
        assertThat(model.toolCalls()).containsExactly(
                new ToolCall("call_a", "query_metrics", "{\"metrics\":[\"latency_ms\"]}"),
                new ToolCall("call_b", "cost_analysis", "{\"from\":\"2026-11-01T00:00:00Z\"}"));
        assertThat(model.finishReason()).isEqualTo("tool_calls");
        assertThat(model.provenance().providerRequestId()).isEqualTo("chatcmpl-1");
        assertThat(model.assistantMessage().path("tool_calls")).hasSize(2);
    }

    @Test
    void textArrivingTogetherBecomesOneDeltaAndNothingAfterTheEndIsRead() {
        StreamedTurn turn = new StreamedTurn(bodies, reader, CALL, null, null);
        List<String> events = events(new ChunkStream("chatcmpl-2", "small").text("Twelve calls, ")
                .raw("{\"error\":{\"message\":\"x\",\"type\":\"server_error\",\"code\":\"llm_timeout\"}}")
                .text("all fast.").done());

        List<StreamedTurn.Step> steps = turn.readAll(events);

        assertThat(steps).hasSize(2);
        TextDelta delta = ((StreamedTurn.Step.Text) steps.get(0)).delta();
        assertThat(delta.text()).isEqualTo("Twelve calls, ");
        assertThat(delta.model()).as("named by the chunks when the header is absent").isEqualTo("small");
        CascadeReply reply = ((StreamedTurn.Step.End) steps.get(1)).reply();
        assertThat(((CascadeReply.Failed) reply).problem().errorType().wire()).isEqualTo("llm_timeout");
        assertThat(turn.ended()).isTrue();
        assertThat(turn.readAll(events(new ChunkStream("chatcmpl-2", "small").text("more")))).isEmpty();
    }

    @Test
    void doneWithoutAnyTextOrToolCallIsAnEmptyAnswerNotASuccess() {
        StreamedTurn turn = new StreamedTurn(bodies, reader, CALL, null, "small");

        List<StreamedTurn.Step> steps = turn.readAll(events(new ChunkStream("chatcmpl-3", "small")
                .finish("stop").provenance(provenance()).done()));

        CascadeReply reply = ((StreamedTurn.Step.End) steps.get(0)).reply();
        assertThat(((CascadeReply.Failed) reply).problem().errorType().wire()).isEqualTo("llm_invalid_response");
    }

    @Test
    void aSupersededAttemptIsDroppedAndTheAnswerIsTheNextAttemptsWithItsNumberOnEveryDelta() {
        StreamedTurn turn = new StreamedTurn(bodies, reader, CALL, null, "small");
        ChunkStream chunks = new ChunkStream("chatcmpl-s", "small")
                .toolCall(0, "call_x", "query_metrics", "{\"metrics\":", 2).text("Lyon has").finish("length")
                .superseded(1, "small", "finish_reason=length (truncated) (quality 0.30 < 0.70)", 0.3, "large")
                .then(new ChunkStream("chatcmpl-1", "large").text("Lyon has 520,000 people.").finish("stop")
                        .provenance(provenance()).done());

        List<StreamedTurn.Step> steps = turn.readAll(events(chunks));

        assertThat(steps).hasSize(4);
        TextDelta first = ((StreamedTurn.Step.Text) steps.get(0)).delta();
        assertThat(first).isEqualTo(new TextDelta("small", "Lyon has", 1));
        Superseded superseded = ((StreamedTurn.Step.Replaced) steps.get(1)).superseded();
        assertThat(superseded).isEqualTo(new Superseded(1, "small",
                "finish_reason=length (truncated) (quality 0.30 < 0.70)", 0.3, "large"));
        assertThat(((StreamedTurn.Step.Text) steps.get(2)).delta())
                .isEqualTo(new TextDelta("large", "Lyon has 520,000 people.", 2));
        ModelTurn answer = ((CascadeReply.Answered) ((StreamedTurn.Step.End) steps.get(3)).reply()).turn();
        // Nothing of the replaced attempt survives: not its text, not its half-streamed tool call.
        assertThat(answer.content()).isEqualTo("Lyon has 520,000 people.");
        assertThat(answer.toolCalls()).isEmpty();
        assertThat(answer.finishReason()).isEqualTo("stop");
    }

    @Test
    void aSupersededEventThatNamesNoNextModelIsAnUnreadableStream() {
        StreamedTurn turn = new StreamedTurn(bodies, reader, CALL, null, "small");
        List<String> events = events(new ChunkStream("chatcmpl-s", "small").text("Lyon has")
                .raw("{\"object\":\"verity.attempt.superseded\",\"superseded\":{\"attempt\":1,\"model\":\"small\"}}")
                .text("after").done());

        List<StreamedTurn.Step> steps = turn.readAll(events);

        assertThat(steps).hasSize(2);
        CascadeReply reply = ((StreamedTurn.Step.End) steps.get(1)).reply();
        assertThat(((CascadeReply.Failed) reply).problem().errorType().wire()).isEqualTo("llm_invalid_response");
    }

    private static String fragment(int index, String id, String name, String arguments) {
        var chunk = Json.MAPPER.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion.chunk")
                .put("model", "large");
        var call = chunk.putArray("choices").addObject().put("index", 0).putObject("delta").putArray("tool_calls")
                .addObject().put("index", index);
        if (id != null) {
            call.put("id", id).put("type", "function");
        }
        var function = call.putObject("function").put("arguments", arguments);
        if (name != null) {
            function.put("name", name);
        }
        return chunk.toString();
    }

    private static List<String> events(ChunkStream chunks) {
        return new ArrayList<>(Arrays.stream(chunks.body().split("\n\n"))
                .map(event -> event.substring("data: ".length())).collect(Collectors.toList()));
    }

    private static Provenance provenance() {
        return new Provenance("large", "openai-compatible", "chatcmpl-1", Instant.now(), false, 0.9, false,
                "tier 1 accepted", List.of(Attempt.succeeded("large", 200)), new Usage(10, 5), null, 200);
    }
}
