package dev.verity.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.receipt.Base64Url;
import dev.verity.contract.receipt.Digests;
import dev.verity.contract.receipt.ReceiptMac;
import dev.verity.contract.receipt.ReceiptSigner;
import dev.verity.gateway.TestReceipts;
import dev.verity.gateway.routing.StreamEvent;
import dev.verity.local.ReceiptKeys;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guard's verdicts over a stream, event by event: everything relayed as it comes, the final chunk checked. */
class StreamWatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ReceiptKeys KEYS = ReceiptKeys.generate("unit");
    private static final ReceiptSigner SIGNER = TestReceipts.signer(KEYS);
    private static final String PROVENANCE = """
            {"model":"small","provider":"openai-compatible","provider_request_id":"c1","produced_at":"2026-01-01T00:00:00Z",\
            "degraded":false,"cache_hit":false,"attempts":[{"model":"small","outcome":"success","latency_ms":3}],"latency_ms":3}""";

    private final List<String> verifiedTexts = new ArrayList<>();
    private final StreamWatch watch = new StreamWatch(new ReceiptCheck(new ReceiptMac(List.of(Base64Url.decode(KEYS.macKey())))),
            JSON, verifiedTexts::add);

    private static StreamEvent.Data chunk(int index, String content) {
        return new StreamEvent.Data("""
                {"id":"c1","object":"chat.completion.chunk","created":1,"model":"small",\
                "choices":[{"index":%d,"delta":{"content":"%s"},"finish_reason":null}]}""".formatted(index, content));
    }

    private static StreamEvent.Data toolCall(String id, String name, String arguments) {
        return new StreamEvent.Data("""
                {"id":"c1","object":"chat.completion.chunk","created":1,"model":"small","choices":[{"index":0,"delta":\
                {"tool_calls":[{"index":0%s,"function":{%s"arguments":"%s"}}]},"finish_reason":null}]}"""
                .formatted(id == null ? "" : ",\"id\":\"" + id + "\",\"type\":\"function\"",
                        name == null ? "" : "\"name\":\"" + name + "\",", arguments.replace("\"", "\\\"")));
    }

    private static StreamEvent.Data last(String signedText, List<Digests.ToolCallText> calls) {
        return new StreamEvent.Data("""
                {"id":"c1","object":"chat.completion.chunk","created":1,"model":"small","choices":[],"provenance":%s}"""
                .formatted(TestReceipts.sign(SIGNER, PROVENANCE, signedText, calls)));
    }

    @Test
    void chunksAreRelayedAsTheyComeAndTheVerifiedFinalChunkLosesOnlyItsMac() throws Exception {
        StreamEvent.Data first = chunk(0, "I apologize, but ");
        assertThat(watch.accept(first)).isSameAs(first);
        watch.accept(chunk(0, "p95 was 812 ms."));

        StreamEvent out = watch.accept(last("I apologize, but p95 was 812 ms.", List.of()));

        var provenance = JSON.readTree(((StreamEvent.Data) out).payload()).path("provenance");
        assertThat(provenance.path("receipt").asText()).isNotBlank();
        assertThat(provenance.has("receipt_mac")).isFalse();
        assertThat(watch.accept(new StreamEvent.Data("[DONE]"))).isEqualTo(new StreamEvent.Data("[DONE]"));
        assertThat(verifiedTexts).containsExactly("I apologize, but p95 was 812 ms.");
    }

    @Test
    void aFinalChunkWhoseReceiptCoversOtherTextStopsTheStream() {
        watch.accept(chunk(0, "Costs fell by 5 percent."));

        assertThatThrownBy(() -> watch.accept(last("Costs fell by 4 percent.", List.of())))
                .isInstanceOf(StreamWatch.Violation.class).hasMessageContaining("content_sha256");
        assertThat(verifiedTexts).isEmpty();
    }

    @Test
    void streamedToolCallArgumentsAreCheckedToo() {
        watch.accept(toolCall("call_1", "query_metrics", "{\"metric\":"));
        watch.accept(toolCall(null, null, "\"latency_p95\"}"));

        assertThatThrownBy(() -> watch.accept(last("", List.of(
                new Digests.ToolCallText("call_1", "query_metrics", "{\"metric\":\"error_rate\"}")))))
                .hasMessageContaining("tool_calls_sha256");
    }

    @Test
    void streamedToolCallsJoinedAsAClientJoinsThemVerify() {
        watch.accept(toolCall("call_1", "query_metrics", "{\"metric\":"));
        watch.accept(toolCall(null, null, "\"latency_p95\"}"));

        StreamEvent out = watch.accept(last("", List.of(
                new Digests.ToolCallText("call_1", "query_metrics", "{\"metric\":\"latency_p95\"}"))));

        assertThat(((StreamEvent.Data) out).payload()).contains("\"receipt\"");
    }

    @Test
    void doneWithoutAVerifiedFinalChunkIsAViolation() {
        watch.accept(chunk(0, "Costs fell."));

        assertThatThrownBy(() -> watch.accept(new StreamEvent.Data("[DONE]")))
                .hasMessageContaining("without a final chunk");
    }

    @Test
    void aFinalChunkWithoutReceiptOrWithAForeignMacIsAViolation() {
        watch.accept(chunk(0, "Costs fell."));
        ReceiptSigner stranger = TestReceipts.signer(ReceiptKeys.generate("unit"));
        StreamEvent.Data forged = new StreamEvent.Data("""
                {"id":"c1","object":"chat.completion.chunk","created":1,"model":"small","choices":[],"provenance":%s}"""
                .formatted(TestReceipts.sign(stranger, PROVENANCE, "Costs fell.", List.of())));

        assertThatThrownBy(() -> watch.accept(forged)).hasMessage("receipt MAC does not match");
        StreamWatch fresh = new StreamWatch(new ReceiptCheck(new ReceiptMac(List.of(Base64Url.decode(KEYS.macKey())))), JSON,
                text -> { });
        fresh.accept(chunk(0, "Costs fell."));
        assertThatThrownBy(() -> fresh.accept(new StreamEvent.Data("""
                {"id":"c1","choices":[],"provenance":%s}""".formatted(PROVENANCE)))).hasMessage("no receipt");
    }

    @Test
    void textInASecondChoiceIsNotCoveredAndStopsTheStream() {
        watch.accept(chunk(0, "One."));
        watch.accept(chunk(1, "Another."));

        assertThatThrownBy(() -> watch.accept(last("One.", List.of()))).hasMessageContaining("other than the first");
    }

    @Test
    void anHonestErrorEventPassesAndUnreadableEventsStop() {
        StreamEvent.Data error = new StreamEvent.Data("{\"error\":{\"code\":\"llm_timeout\"},\"problem\":{}}");

        assertThat(watch.accept(error)).isSameAs(error);
        assertThatThrownBy(() -> watch.accept(new StreamEvent.Data("not json"))).hasMessage("unreadable stream event");
        assertThatThrownBy(() -> watch.accept(new StreamEvent.Data("[1]"))).hasMessage("stream event that is not a JSON object");
    }
}
