package dev.verity.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.gateway.routing.StreamEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guard's hold-back and verdicts over a stream, event by event. */
class StreamWatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PHRASE = "fallback response for";

    private final StreamWatch watch = new StreamWatch(List.of(PHRASE, "short"), JSON);

    private static StreamEvent chunk(int index, String content, String finishReason) {
        return new StreamEvent.Data("""
                {"id":"c1","object":"chat.completion.chunk","created":1,"model":"small",\
                "choices":[{"index":%d,"delta":{"content":"%s"},"finish_reason":%s}]}"""
                .formatted(index, content, finishReason == null ? "null" : "\"" + finishReason + "\""));
    }

    private static StreamEvent provenance(boolean complete) {
        return new StreamEvent.Data("""
                {"id":"c1","object":"chat.completion.chunk","created":1,"model":"small","choices":[],\
                "provenance":{"model":"small"%s}}""".formatted(complete ? ",\"provider_request_id\":\"c1\"" : ""));
    }

    private static String text(List<StreamEvent> events, int index) throws Exception {
        StringBuilder text = new StringBuilder();
        for (StreamEvent event : events) {
            String payload = ((StreamEvent.Data) event).payload();
            if (!payload.startsWith("{")) {
                continue;
            }
            for (JsonNode choice : JSON.readTree(payload).path("choices")) {
                if (choice.path("index").asInt() == index) {
                    text.append(choice.path("delta").path("content").asText(""));
                }
            }
        }
        return text.toString();
    }

    @Test
    void holdsBackExactlyTheLongestPhraseMinusOneCharacter() throws Exception {
        String forty = "a".repeat(40);
        List<StreamEvent> out = watch.accept(chunk(0, forty, null));
        assertThat(text(out, 0)).isEqualTo("a".repeat(40 - (PHRASE.length() - 1)));
        assertThat(watch.accept(chunk(0, "b", null))).hasSize(1);
        assertThat(text(watch.accept(chunk(0, "c", null)), 0)).isEqualTo("a");
    }

    @Test
    void aChunkWhoseTextIsAllHeldBackIsNotRelayed() {
        assertThat(watch.accept(chunk(0, "Hello", null))).isEmpty();
    }

    @Test
    void aPhraseSplitOverChunksStopsTheStreamWhenItsLastCharacterArrivesAndWasNeverRelayedWhole() throws Exception {
        List<StreamEvent> relayed = new ArrayList<>();
        relayed.addAll(watch.accept(chunk(0, "This is the real text before a Fallback ", null)));
        relayed.addAll(watch.accept(chunk(0, "Response f", null)));
        assertThatThrownBy(() -> watch.accept(chunk(0, "or: your question", null))).isInstanceOf(StreamWatch.Violation.class);
        String received = text(relayed, 0);
        assertThat("This is the real text before a Fallback Response f").startsWith(received);
        assertThat(received.toLowerCase()).doesNotContain(PHRASE);
        assertThat(received).isNotEmpty();
    }

    @Test
    void theFinishingChunkCarriesAllHeldText() throws Exception {
        watch.accept(chunk(0, "Costs fell.", null));
        List<StreamEvent> out = watch.accept(chunk(0, "", "stop"));
        assertThat(text(out, 0)).isEqualTo("Costs fell.");
        assertThat(JSON.readTree(((StreamEvent.Data) out.getFirst()).payload()).path("choices").get(0)
                .path("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void choicesAreHeldAndCheckedSeparately() throws Exception {
        List<StreamEvent> out = new ArrayList<>();
        out.addAll(watch.accept(chunk(0, "fallback resp", null)));
        out.addAll(watch.accept(chunk(1, "onse for", null)));
        out.addAll(watch.accept(chunk(0, "", "stop")));
        out.addAll(watch.accept(chunk(1, "", "stop")));
        assertThat(text(out, 0)).isEqualTo("fallback resp");
        assertThat(text(out, 1)).isEqualTo("onse for");
    }

    @Test
    void anErrorEventIsRelayedUnchangedAfterTheHeldText() throws Exception {
        watch.accept(chunk(0, "Partial", null));
        String error = "{\"error\":{\"message\":\"m\",\"type\":\"server_error\",\"code\":\"llm_upstream_error\"}}";
        List<StreamEvent> out = watch.accept(new StreamEvent.Data(error));
        assertThat(out).hasSize(2);
        assertThat(text(out.subList(0, 1), 0)).isEqualTo("Partial");
        assertThat(((StreamEvent.Data) out.get(1)).payload()).isEqualTo(error);
    }

    @Test
    void doneNeedsAFinalChunkWithModelAndProviderRequestId() {
        watch.accept(chunk(0, "Real.", "stop"));
        watch.accept(provenance(false));
        assertThatThrownBy(() -> watch.accept(new StreamEvent.Data("[DONE]"))).isInstanceOf(StreamWatch.Violation.class);

        StreamWatch complete = new StreamWatch(List.of(PHRASE), JSON);
        complete.accept(chunk(0, "Real.", "stop"));
        complete.accept(provenance(true));
        assertThat(complete.accept(new StreamEvent.Data("[DONE]"))).containsExactly(new StreamEvent.Data("[DONE]"));
    }

    @Test
    void provenanceMustBeOnTheLastChunkNotAnEarlierOne() {
        watch.accept(provenance(true));
        watch.accept(chunk(0, "More text after it.", "stop"));
        assertThatThrownBy(() -> watch.accept(new StreamEvent.Data("[DONE]"))).isInstanceOf(StreamWatch.Violation.class);
    }

    @Test
    void toolCallChunksPassUnchanged() {
        StreamEvent toolCall = new StreamEvent.Data("""
                {"id":"c1","object":"chat.completion.chunk","created":1,"model":"small","choices":[{"index":0,\
                "delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"metrics","arguments":""}}]},\
                "finish_reason":null}]}""");
        assertThat(watch.accept(toolCall)).containsExactly(toolCall);
    }

    @Test
    void anUnreadableEventStopsTheStream() {
        assertThatThrownBy(() -> watch.accept(new StreamEvent.Data("not json"))).isInstanceOf(StreamWatch.Violation.class);
    }

    @Test
    void heldTextGoesOutInTheLastEnvelopeWhenTheStreamEndsEarly() throws Exception {
        watch.accept(chunk(0, "Cut off", null));
        List<StreamEvent> held = watch.heldText();
        assertThat(text(held, 0)).isEqualTo("Cut off");
        JsonNode carrier = JSON.readTree(((StreamEvent.Data) held.getFirst()).payload());
        assertThat(carrier.path("id").asText()).isEqualTo("c1");
        assertThat(carrier.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(watch.heldText()).isEmpty();
    }
}
