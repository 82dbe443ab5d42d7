package dev.verity.cascade.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The OpenAI chat-completions request as this service accepts it, plus Verity's {@code fallback}
 * ({@code allow} | {@code deny}) and {@code cache} options. Any other field is refused with
 * {@code invalid_request} naming it, because silently dropping a parameter the caller relies on
 * would change the answer behind their back. Tool definitions and choices pass through unchanged.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletionRequest(
        @JsonProperty("model") String model,
        @JsonProperty("messages") List<ChatMessage> messages,
        @JsonProperty("temperature") Double temperature,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("max_tokens") Integer maxTokens,
        @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
        @JsonProperty("n") Integer n,
        @JsonProperty("stop") JsonNode stop,
        @JsonProperty("presence_penalty") Double presencePenalty,
        @JsonProperty("frequency_penalty") Double frequencyPenalty,
        @JsonProperty("logit_bias") JsonNode logitBias,
        @JsonProperty("seed") Long seed,
        @JsonProperty("response_format") JsonNode responseFormat,
        @JsonProperty("tools") List<JsonNode> tools,
        @JsonProperty("tool_choice") JsonNode toolChoice,
        @JsonProperty("parallel_tool_calls") Boolean parallelToolCalls,
        @JsonProperty("stream") Boolean stream,
        @JsonProperty("stream_options") JsonNode streamOptions,
        @JsonProperty("logprobs") Boolean logprobs,
        @JsonProperty("top_logprobs") Integer topLogprobs,
        @JsonProperty("user") String user,
        @JsonProperty("fallback") String fallback,
        @JsonProperty("cache") Boolean cache) {

    public static final String AUTO = "auto";
    public static final String FALLBACK_ALLOW = "allow";
    public static final String FALLBACK_DENY = "deny";

    /** {@code auto} when the caller named no model. */
    public String modelOrAuto() {
        return model == null || model.isBlank() ? AUTO : model;
    }

    public boolean fallbackAllowed() {
        return !FALLBACK_DENY.equals(fallback);
    }

    public boolean cacheRequested() {
        return Boolean.TRUE.equals(cache);
    }

    public boolean streamRequested() {
        return Boolean.TRUE.equals(stream);
    }

    /** Whether a streamed request asked for usage in its last chunk ({@code stream_options.include_usage}). */
    public boolean includeUsage() {
        return streamOptions != null && streamOptions.path("include_usage").asBoolean(false);
    }

    /** Completion tokens the caller asked room for, when it said. */
    public Integer completionBudget() {
        return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
    }
}
