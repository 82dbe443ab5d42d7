package dev.verity.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The agent's event stream arrives in arbitrary chunks; events must come out whole and unaltered. */
class SseLinesTest {

    @Test
    void eventsSplitAcrossChunksAndInsideACharacterComeOutWhole() {
        String stream = ": keep-alive\r\n\r\n"
                + "data: {\"type\":\"agent_thinking\",\"data\":{\"model\":\"größer – ≈ 😀\"}}\r\n\r\n"
                + "event: message\nid: 7\ndata: {\"a\":1,\ndata: \"b\":2}\n\n"
                + "data:{\"type\":\"agent_completed\"}\n\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int chunk = 1; chunk <= 7; chunk++) {
            List<String> events = new ArrayList<>();
            AgentRunStream.SseLines lines = new AgentRunStream.SseLines(events::add);
            for (int from = 0; from < bytes.length; from += chunk) {
                lines.feed(Buffer.buffer(Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + chunk))));
            }
            assertThat(events).as("chunks of %d bytes", chunk).containsExactly(
                    "{\"type\":\"agent_thinking\",\"data\":{\"model\":\"größer – ≈ 😀\"}}",
                    "{\"a\":1,\n\"b\":2}",
                    "{\"type\":\"agent_completed\"}");
        }
    }

    @Test
    void anEventWithoutItsClosingBlankLineIsNotHandedOver() {
        List<String> events = new ArrayList<>();
        AgentRunStream.SseLines lines = new AgentRunStream.SseLines(events::add);
        lines.feed(Buffer.buffer("data: {\"type\":\"agent_started\"}\n\ndata: {\"type\":\"agent_compl"));
        assertThat(events).containsExactly("{\"type\":\"agent_started\"}");
    }
}
