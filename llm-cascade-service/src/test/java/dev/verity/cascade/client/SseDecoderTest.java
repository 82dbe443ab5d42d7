package dev.verity.cascade.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Provider bodies arrive in arbitrary network pieces; events must come out whole and in order. */
class SseDecoderTest {

    @Test
    void aCharacterSplitAcrossTwoBuffersIsDecodedWhole() {
        byte[] body = "data: {\"content\":\"Orléans\"}\n\n".getBytes(StandardCharsets.UTF_8);
        int insideE = new String(body, StandardCharsets.UTF_8).indexOf('é') + 1;
        SseDecoder decoder = new SseDecoder();

        List<String> events = new ArrayList<>(decoder.feed(Arrays.copyOfRange(body, 0, insideE)));
        assertThat(events).isEmpty();
        events.addAll(decoder.feed(Arrays.copyOfRange(body, insideE, body.length)));

        assertThat(events).containsExactly("{\"content\":\"Orléans\"}");
    }

    @Test
    void crlfLinesCommentsAndMultiLineDataFollowTheSseRules() {
        SseDecoder decoder = new SseDecoder();

        List<String> events = decoder.feed((": keep-alive\r\n\r\n"
                + "event: message\r\ndata: first\r\ndata:second\r\n\r\n"
                + "data: [DONE]\n\n"
                + "data: unfinished").getBytes(StandardCharsets.UTF_8));

        assertThat(events).containsExactly("first\nsecond", "[DONE]");
    }
}
