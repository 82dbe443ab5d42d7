package dev.verity.agent.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;

/** Reads a {@code text/event-stream} body into its events, one JSON object per {@code data:} line. */
public final class Sse {

    private Sse() {
    }

    public static List<JsonNode> events(String body) {
        return Arrays.stream(body.split("\n\n"))
                .map(String::strip)
                .filter(block -> !block.isEmpty())
                .map(block -> {
                    if (!block.startsWith("data:") || block.contains("\n")) {
                        throw new AssertionError("not a single-line SSE data event: " + block);
                    }
                    return Json.read(block.substring("data:".length()).strip());
                })
                .toList();
    }

    /** The run's steps: every event but the streamed text deltas (agent_thinking events that carry a delta). */
    public static List<JsonNode> steps(String body) {
        return steps(events(body));
    }

    public static List<JsonNode> steps(List<JsonNode> events) {
        return events.stream().filter(event -> !isDelta(event)).toList();
    }

    /** The streamed text deltas, in order. */
    public static List<JsonNode> deltas(List<JsonNode> events) {
        return events.stream().filter(Sse::isDelta).toList();
    }

    public static boolean isDelta(JsonNode event) {
        return "agent_thinking".equals(event.path("type").asText()) && event.path("data").has("delta");
    }

    public static List<String> types(List<JsonNode> events) {
        return events.stream().map(event -> event.path("type").asText()).toList();
    }
}
