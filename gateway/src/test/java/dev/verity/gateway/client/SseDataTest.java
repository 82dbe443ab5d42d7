package dev.verity.gateway.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseDataTest {

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
