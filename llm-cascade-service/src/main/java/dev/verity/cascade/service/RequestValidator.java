package dev.verity.cascade.service;

import dev.verity.cascade.api.ChatCompletionRequest;
import dev.verity.cascade.api.ChatMessage;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;

/** Checks a chat request before anything is called; the answer names the field at fault. */
public final class RequestValidator {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private RequestValidator() {
    }

    /** The reason the request is invalid, or empty when it may proceed. */
    public static Optional<String> problem(ChatCompletionRequest request, Collection<String> models) {
        if (request == null) {
            return Optional.of("The request body must be a chat-completions JSON object.");
        }
        if (request.messages() == null || request.messages().isEmpty()) {
            return Optional.of("Field 'messages' must hold at least one message.");
        }
        for (int i = 0; i < request.messages().size(); i++) {
            Optional<String> message = message(i, request.messages().get(i));
            if (message.isPresent()) {
                return message;
            }
        }
        String model = request.modelOrAuto();
        if (!ChatCompletionRequest.AUTO.equals(model) && !models.isEmpty() && !models.contains(model)) {
            return Optional.of("Unknown model '" + model + "'. Use 'auto' or one of: " + String.join(", ", models) + ".");
        }
        if (request.fallback() != null && !Set.of(ChatCompletionRequest.FALLBACK_ALLOW, ChatCompletionRequest.FALLBACK_DENY)
                .contains(request.fallback())) {
            return Optional.of("Field 'fallback' must be 'allow' or 'deny'.");
        }
        if (outside(request.temperature(), 0, 2)) {
            return Optional.of("Field 'temperature' must be between 0 and 2.");
        }
        if (outside(request.topP(), 0, 1)) {
            return Optional.of("Field 'top_p' must be between 0 and 1.");
        }
        if (outside(request.presencePenalty(), -2, 2) || outside(request.frequencyPenalty(), -2, 2)) {
            return Optional.of("Fields 'presence_penalty' and 'frequency_penalty' must be between -2 and 2.");
        }
        if (request.maxTokens() != null && request.maxTokens() < 1) {
            return Optional.of("Field 'max_tokens' must be at least 1.");
        }
        if (request.maxCompletionTokens() != null && request.maxCompletionTokens() < 1) {
            return Optional.of("Field 'max_completion_tokens' must be at least 1.");
        }
        if (request.n() != null && request.n() != 1) {
            return Optional.of("Field 'n' must be 1: the cascade scores and returns a single choice per call.");
        }
        if (request.topLogprobs() != null && (request.topLogprobs() < 0 || request.topLogprobs() > 20)) {
            return Optional.of("Field 'top_logprobs' must be between 0 and 20.");
        }
        if (request.topLogprobs() != null && !Boolean.TRUE.equals(request.logprobs())) {
            return Optional.of("Field 'top_logprobs' requires 'logprobs': true.");
        }
        if (request.streamOptions() != null && !request.streamRequested()) {
            return Optional.of("Field 'stream_options' is only allowed with 'stream': true.");
        }
        if (request.streamOptions() != null) {
            Optional<String> options = streamOptions(request.streamOptions());
            if (options.isPresent()) {
                return options;
            }
        }
        if (request.streamRequested() && request.cacheRequested()) {
            // The cache holds whole, scored answers; a stream is relayed before it is whole.
            return Optional.of("Field 'cache' cannot be combined with 'stream': true; streamed answers are not cached.");
        }
        return Optional.empty();
    }

    private static Optional<String> message(int index, ChatMessage message) {
        String at = "messages[" + index + "]";
        if (message == null) {
            return Optional.of("'" + at + "' must be a message object.");
        }
        if (message.role() == null || !ROLES.contains(message.role())) {
            return Optional.of("'" + at + ".role' must be one of system, developer, user, assistant, tool.");
        }
        boolean hasContent = message.content() != null && !message.content().isNull()
                && !(message.content().isTextual() && message.content().asText().isEmpty());
        if (message.content() != null && !message.content().isNull() && !message.content().isTextual()
                && !message.content().isArray()) {
            return Optional.of("'" + at + ".content' must be a string or an array of content parts.");
        }
        switch (message.role()) {
            case "assistant" -> {
                if (!hasContent && (message.toolCalls() == null || message.toolCalls().isEmpty())) {
                    return Optional.of("'" + at + "' (assistant) needs 'content' or 'tool_calls'.");
                }
            }
            case "tool" -> {
                if (message.toolCallId() == null || message.toolCallId().isBlank()) {
                    return Optional.of("'" + at + "' (tool) needs 'tool_call_id'.");
                }
            }
            default -> {
                if (!hasContent) {
                    return Optional.of("'" + at + ".content' must not be empty.");
                }
            }
        }
        if (message.toolCalls() != null && !"assistant".equals(message.role())) {
            return Optional.of("'" + at + ".tool_calls' is only allowed on assistant messages.");
        }
        return Optional.empty();
    }

    /** Only {@code include_usage} is understood; anything else would reach the provider unchecked. */
    private static Optional<String> streamOptions(com.fasterxml.jackson.databind.JsonNode options) {
        if (!options.isObject()) {
            return Optional.of("Field 'stream_options' must be an object.");
        }
        var names = options.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!name.equals("include_usage")) {
                return Optional.of("Unknown field 'stream_options." + name + "'. Only 'include_usage' is supported.");
            }
        }
        if (options.has("include_usage") && !options.get("include_usage").isBoolean()) {
            return Optional.of("Field 'stream_options.include_usage' must be true or false.");
        }
        return Optional.empty();
    }

    private static boolean outside(Double value, double min, double max) {
        return value != null && (value < min || value > max);
    }
}
