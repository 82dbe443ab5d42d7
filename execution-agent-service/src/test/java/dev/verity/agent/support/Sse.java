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

    public static List<String> types(List<JsonNode> events) {
        return events.stream().map(event -> event.path("type").asText()).toList();
    }
}
