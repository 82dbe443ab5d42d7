package dev.verity.runtime.receipts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One streamed tool call as its fragments arrive ({@code delta.tool_calls[i]}): id and name once,
 * arguments in pieces. Joined the same way where a receipt is signed, where it is checked and where
 * the agent rebuilds the call it will run, so all three see the same call.
 */
public final class ToolCallParts {

    private String id;
    private final StringBuilder name = new StringBuilder();
    private final StringBuilder arguments = new StringBuilder();

    public void add(JsonNode fragment) {
        if (id == null && fragment.path("id").isTextual()) {
            id = fragment.get("id").asText();
        }
        JsonNode function = fragment.path("function");
        if (function.path("name").isTextual()) {
            name.append(function.get("name").asText());
        }
        if (function.path("arguments").isTextual()) {
            arguments.append(function.get("arguments").asText());
        }
    }

    public String id() {
        return id;
    }

    public String name() {
        return name.toString();
    }

    public String arguments() {
        return arguments.toString();
    }

    /** The joined call in OpenAI's message shape, written into {@code call}. */
    public ObjectNode toJson(ObjectNode call) {
        if (id != null) {
            call.put("id", id);
        }
        call.put("type", "function");
        ObjectNode function = call.putObject("function");
        if (!name.isEmpty()) {
            function.put("name", name.toString());
        }
        function.put("arguments", arguments.toString());
        return call;
    }
}
