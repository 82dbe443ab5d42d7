package dev.verity.gateway.chat;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code POST /api/v1/chat} body (DESIGN §12), forwarded to the execution agent as is. */
public record ChatRequest(
        @JsonProperty("message") String message,
        @JsonProperty("history") List<Turn> history,
        @JsonProperty("stream") Boolean stream) {

    public record Turn(@JsonProperty("role") String role, @JsonProperty("content") String content) {
    }
}
