package dev.verity.agent.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code POST /v1/runs} body: the same shape as the gateway's {@code /api/v1/chat}. */
public record RunRequest(
        @JsonProperty("message") String message,
        @JsonProperty("history") List<Turn> history,
        @JsonProperty("stream") Boolean stream) {

    public record Turn(@JsonProperty("role") String role, @JsonProperty("content") String content) {
    }
}
