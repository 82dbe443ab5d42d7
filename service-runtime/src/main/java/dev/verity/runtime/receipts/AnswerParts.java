package dev.verity.runtime.receipts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.receipt.Digests;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a model answer a receipt covers, read the same way where it is signed and where it
 * is checked: the text ({@code content}, empty when there is none), the refusal, the tool calls.
 */
public record AnswerParts(String content, String refusal, List<Digests.ToolCallText> toolCalls) {

    public AnswerParts {
        content = content == null ? "" : content;
        toolCalls = List.copyOf(toolCalls);
    }

    /** From a non-streamed {@code choices[i].message}. */
    public static AnswerParts ofMessage(JsonNode message) {
        List<Digests.ToolCallText> calls = new ArrayList<>();
        for (JsonNode call : message.path("tool_calls")) {
            calls.add(new Digests.ToolCallText(text(call.path("id")), text(call.path("function").path("name")),
                    text(call.path("function").path("arguments"))));
        }
        return new AnswerParts(text(message.path("content")), message.path("refusal").isTextual()
                ? message.get("refusal").asText() : null, calls);
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }
}
