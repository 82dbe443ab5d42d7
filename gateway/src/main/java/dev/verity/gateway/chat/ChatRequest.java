package dev.verity.gateway.chat;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** {@code POST /api/v1/chat} body, forwarded to the execution agent as is. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatRequest(
        @JsonProperty("message") String message,
        @JsonProperty("history") List<Turn> history,
        @JsonProperty("stream") Boolean stream) {

    public static final int MAX_MESSAGE_CHARS = 32_000;
    public static final int MAX_HISTORY = 50;
    private static final Set<String> ROLES = Set.of("user", "assistant");

    public record Turn(@JsonProperty("role") String role, @JsonProperty("content") String content) {
    }

    /** What is wrong with this request, written for the caller; empty when it is valid. */
    public Optional<String> invalidity() {
        if (message == null || message.isBlank()) {
            return Optional.of("Field 'message' is required and must not be blank.");
        }
        if (message.length() > MAX_MESSAGE_CHARS) {
            return Optional.of("Field 'message' is longer than " + MAX_MESSAGE_CHARS + " characters.");
        }
        if (history != null) {
            if (history.size() > MAX_HISTORY) {
                return Optional.of("Field 'history' has more than " + MAX_HISTORY + " turns.");
            }
            for (int i = 0; i < history.size(); i++) {
                Turn turn = history.get(i);
                if (turn == null || turn.role() == null || !ROLES.contains(turn.role())) {
                    return Optional.of("Field 'history[" + i + "].role' must be 'user' or 'assistant'.");
                }
                if (turn.content() == null) {
                    return Optional.of("Field 'history[" + i + "].content' is required.");
                }
            }
        }
        return Optional.empty();
    }

    @JsonIgnore
    public boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }
}
