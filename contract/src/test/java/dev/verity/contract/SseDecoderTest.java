package dev.verity.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Events come out whole however the network splits the bytes. */
class SseDecoderTest {

    @Test
    void anEventSplitAtEveryByteStillDecodesWholeIncludingMultiByteCharacters() {
        String body = "data: {\"delta\":\"812 ms — ✓ “large”\"}\n\ndata: [DONE]\n\n";
        SseDecoder decoder = new SseDecoder();
        List<String> events = new ArrayList<>();
        for (byte b : body.getBytes(StandardCharsets.UTF_8)) {
            events.addAll(decoder.feed(new byte[] {b}));
        }
        assertThat(events).containsExactly("{\"delta\":\"812 ms — ✓ “large”\"}", "[DONE]");
    }

    @Test
    void crlfLinesCommentsOtherFieldsAndMultiLineDataFollowTheSpecification() {
        SseDecoder decoder = new SseDecoder();
        List<String> events = new ArrayList<>(decoder.feed(
                ": keep-alive\r\nevent: chunk\r\nid: 7\r\ndata: first\r\ndata:second\r\n\r\n".getBytes(StandardCharsets.UTF_8)));
        // A CR at the end of one buffer and its LF at the start of the next are one line end.
        events.addAll(decoder.feed("data: third\r".getBytes(StandardCharsets.UTF_8)));
        events.addAll(decoder.feed("\n\r\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(events).containsExactly("first\nsecond", "third");
    }

    @Test
    void anEventNotEndedByABlankLineIsNotDispatched() {
        SseDecoder decoder = new SseDecoder();
        assertThat(decoder.feed("data: {\"choices\":[]}\n".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(decoder.feed("\n".getBytes(StandardCharsets.UTF_8))).containsExactly("{\"choices\":[]}");
        assertThat(decoder.feed("data: partial".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void eventsSplitAcrossChunksOfEverySizeComeOutWholeAndUnaltered() {
        String stream = ": keep-alive\r\n\r\n"
                + "data: {\"type\":\"agent_thinking\",\"data\":{\"model\":\"größer – ≈ 😀\"}}\r\n\r\n"
                + "event: message\nid: 7\ndata: {\"a\":1,\ndata: \"b\":2}\n\n"
                + "data:{\"type\":\"agent_completed\"}\n\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int chunk = 1; chunk <= 7; chunk++) {
            SseDecoder decoder = new SseDecoder();
            List<String> events = new ArrayList<>();
            for (int from = 0; from < bytes.length; from += chunk) {
                events.addAll(decoder.feed(Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + chunk))));
            }
            assertThat(events).as("chunks of %d bytes", chunk).containsExactly(
                    "{\"type\":\"agent_thinking\",\"data\":{\"model\":\"größer – ≈ 😀\"}}",
                    "{\"a\":1,\n\"b\":2}",
                    "{\"type\":\"agent_completed\"}");
        }
    }

    @Test
    void aLoneCarriageReturnEndsALineToo() {
        assertThat(new SseDecoder().feed("data: one\rdata: two\r\rdata: three\n\n".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("one\ntwo", "three");
    }

    @Test
    void anEventWhoseDataIsEmptyIsStillAnEvent() {
        assertThat(new SseDecoder().feed("data:\n\ndata: next\n\n".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("", "next");
    }
}
