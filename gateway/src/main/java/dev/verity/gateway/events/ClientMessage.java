package dev.verity.gateway.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.gateway.chat.ChatRequest.Turn;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * What a client may send on the socket: start a run, or resume after an event id.
 * Parsing yields one of these or an {@link Invalid} naming what is wrong, so the socket can answer
 * with an error frame and stay open.
 */
public sealed interface ClientMessage {

    int MAX_MESSAGE_CHARS = 32_000;
    int MAX_HISTORY = 50;
    int MAX_CLIENT_REF_CHARS = 200;

    record Run(String message, List<Turn> history, String clientRef) implements ClientMessage {
    }

    record Resume(String after) implements ClientMessage {
    }

    record Invalid(String detail) implements ClientMessage {
    }

    static ClientMessage parse(String text, ObjectMapper json) {
        JsonNode root;
        try {
            root = json.readTree(text);
        } catch (Exception e) {
            return new Invalid("The message is not valid JSON.");
        }
        if (root == null || !root.isObject()) {
            return new Invalid("The message must be a JSON object with a 'type'.");
        }
        JsonNode type = root.get("type");
        if (type == null || !type.isTextual()) {
            return new Invalid("Field 'type' is required: 'run' or 'resume'.");
        }
        return switch (type.asText()) {
            case "run" -> run(root);
            case "resume" -> resume(root);
            default -> new Invalid("Unknown message type '" + shorten(type.asText()) + "': use 'run' or 'resume'.");
        };
    }

    private static ClientMessage run(JsonNode root) {
        String unknown = unknownField(root, Set.of("type", "message", "history", "client_ref"));
        if (unknown != null) {
            return new Invalid("Unknown field '" + unknown + "'.");
        }
        JsonNode message = root.get("message");
        if (message == null || !message.isTextual() || message.asText().isBlank()) {
            return new Invalid("Field 'message' is required and must be non-empty text.");
        }
        if (message.asText().length() > MAX_MESSAGE_CHARS) {
            return new Invalid("Field 'message' exceeds " + MAX_MESSAGE_CHARS + " characters.");
        }
        List<Turn> history = new ArrayList<>();
        JsonNode turns = root.get("history");
        if (turns != null && !turns.isNull()) {
            if (!turns.isArray()) {
                return new Invalid("Field 'history' must be an array of {role, content}.");
            }
            if (turns.size() > MAX_HISTORY) {
                return new Invalid("Field 'history' has more than " + MAX_HISTORY + " entries.");
            }
            for (int i = 0; i < turns.size(); i++) {
                JsonNode turn = turns.get(i);
                if (!turn.isObject() || unknownField(turn, Set.of("role", "content")) != null) {
                    return new Invalid("Field 'history[" + i + "]' must be an object with only 'role' and 'content'.");
                }
                String role = turn.path("role").asText("");
                if (!role.equals("user") && !role.equals("assistant")) {
                    return new Invalid("Field 'history[" + i + "].role' must be 'user' or 'assistant'.");
                }
                if (!turn.path("content").isTextual()) {
                    return new Invalid("Field 'history[" + i + "].content' must be text.");
                }
                history.add(new Turn(role, turn.get("content").asText()));
            }
        }
        JsonNode ref = root.get("client_ref");
        if (ref != null && !ref.isNull() && (!ref.isTextual() || ref.asText().length() > MAX_CLIENT_REF_CHARS)) {
            return new Invalid("Field 'client_ref' must be text of at most " + MAX_CLIENT_REF_CHARS + " characters.");
        }
        return new Run(message.asText(), List.copyOf(history), ref == null || ref.isNull() ? null : ref.asText());
    }

    private static ClientMessage resume(JsonNode root) {
        String unknown = unknownField(root, Set.of("type", "after"));
        if (unknown != null) {
            return new Invalid("Unknown field '" + unknown + "'.");
        }
        JsonNode after = root.get("after");
        if (after == null || !after.isTextual() || !StreamId.isValid(after.asText())) {
            return new Invalid("Field 'after' must be an event_id you received, like '1732520000000-0'.");
        }
        return new Resume(after.asText());
    }

    private static String unknownField(JsonNode node, Set<String> known) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                return shorten(name);
            }
        }
        return null;
    }

    private static String shorten(String text) {
        return text.length() > 64 ? text.substring(0, 64) + "…" : text;
    }
}
