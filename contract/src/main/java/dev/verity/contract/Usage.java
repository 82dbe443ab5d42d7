package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Token counts exactly as the provider reported them. */
public record Usage(
        @JsonProperty("prompt_tokens") int promptTokens,
        @JsonProperty("completion_tokens") int completionTokens) {
}
