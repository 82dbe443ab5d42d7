package dev.verity.cascade.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One message of an OpenAI chat-completions request. {@code content} stays a JSON node because
 * OpenAI allows a string or an array of content parts; it is passed upstream unchanged.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatMessage(
        @JsonProperty("role") String role,
        @JsonProperty("content") JsonNode content,
        @JsonProperty("name") String name,
        @JsonProperty("tool_calls") List<ToolCall> toolCalls,
        @JsonProperty("tool_call_id") String toolCallId,
        @JsonProperty("refusal") String refusal) {
}
