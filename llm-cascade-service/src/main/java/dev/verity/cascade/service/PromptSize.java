package dev.verity.cascade.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.cascade.api.ChatCompletionRequest;
import dev.verity.cascade.api.ChatMessage;
import java.nio.charset.StandardCharsets;

/**
 * A conservative prompt-token estimate from characters, used to skip models whose context window
 * cannot hold the request before any call is made. One token per three UTF-8 bytes: English
 * averages about four characters per token, so this overestimates it by a third, and scripts
 * that need three bytes per character (CJK) come out at one token per character, their worst
 * case. Each message adds {@value #PER_MESSAGE} tokens of role and framing overhead. The
 * completion budget the caller asked for ({@code max_tokens}) must fit as well.
 */
public final class PromptSize {

    static final int PER_MESSAGE = 4;
    private static final int PER_REQUEST = 3;

    private PromptSize() {
    }

    public static int estimateTokens(ChatCompletionRequest request) {
        long tokens = PER_REQUEST;
        for (ChatMessage message : request.messages()) {
            tokens += PER_MESSAGE + bytes(message.content()) / 3;
            if (message.toolCalls() != null) {
                tokens += message.toolCalls().toString().getBytes(StandardCharsets.UTF_8).length / 3;
            }
        }
        if (request.tools() != null) {
            for (JsonNode tool : request.tools()) {
                tokens += bytes(tool) / 3;
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, tokens);
    }

    /** Prompt plus the completion room the caller asked for. */
    public static int requiredWindow(ChatCompletionRequest request) {
        Integer budget = request.completionBudget();
        return estimateTokens(request) + (budget == null ? 0 : budget);
    }

    private static long bytes(JsonNode node) {
        if (node == null || node.isNull()) {
            return 0;
        }
        String text = node.isTextual() ? node.asText() : node.toString();
        return text.getBytes(StandardCharsets.UTF_8).length + 2;
    }
}
