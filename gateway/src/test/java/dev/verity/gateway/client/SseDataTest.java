package dev.verity.gateway.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Completion and run streams arrive in arbitrary chunks; events must come out whole and unaltered. */
class SseDataTest {

    @Test
    void eventsSplitAcrossChunksAndInsideACharacterComeOutWhole() {
        String stream = ": keep-alive\r\n\r\n"
                + "data: {\"type\":\"agent_thinking\",\"data\":{\"model\":\"größer – ≈ 😀\"}}\r\n\r\n"
                + "event: message\nid: 7\ndata: {\"a\":1,\ndata: \"b\":2}\n\n"
                + "data:{\"type\":\"agent_completed\"}\n\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int chunk = 1; chunk <= 7; chunk++) {
            SseData sse = new SseData();
            List<String> events = new ArrayList<>();
            for (int from = 0; from < bytes.length; from += chunk) {
                events.addAll(sse.feed(Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + chunk))));
            }
            assertThat(events).as("chunks of %d bytes", chunk).containsExactly(
                    "{\"type\":\"agent_thinking\",\"data\":{\"model\":\"größer – ≈ 😀\"}}",
                    "{\"a\":1,\n\"b\":2}",
                    "{\"type\":\"agent_completed\"}");
        }
    }

    @Test
    void anEventWithoutItsClosingBlankLineIsNotHandedOverButThoseBeforeItAre() {
        byte[] stream = "data: {\"type\":\"agent_started\"}\n\ndata: {\"type\":\"agent_compl".getBytes(StandardCharsets.UTF_8);
        assertThat(new SseData().feed(stream)).containsExactly("{\"type\":\"agent_started\"}");
    }

    @Test
    void eventsSplitAnywhereAreJoinedWholeIncludingAMultiByteCharacter() {
        byte[] stream = "data: {\"content\":\"caf\u00e9\"}\n\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
        SseData sse = new SseData();
        List<String> events = new ArrayList<>();
        // One byte at a time: every border, including inside the two bytes of the accented letter.
        for (byte b : stream) {
            events.addAll(sse.feed(new byte[] {b}));
        }
        assertThat(events).containsExactly("{\"content\":\"caf\u00e9\"}", "[DONE]");
    }

    @Test
    void crlfCommentsAndMultiLineDataFollowTheSseRules() {
        byte[] stream = ": keep-alive\r\nevent: message\r\ndata: line one\r\ndata:line two\r\n\r\n".getBytes(StandardCharsets.UTF_8);
        SseData sse = new SseData();
        List<String> events = sse.feed(Arrays.copyOf(stream, stream.length));
        assertThat(events).containsExactly("line one\nline two");
    }

    @Test
    void anUnfinishedEventIsNotHandedOver() {
        assertThat(new SseData().feed("data: {\"partial\":".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }
}
