package dev.verity.agent.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.Provenance;
import java.util.List;

/**
 * One real answer of the cascade: either text, or tool calls, or both. {@code assistantMessage}
 * is the message to append to the conversation so that the model sees its own tool calls again.
 */
public record ModelTurn(String content, List<ToolCall> toolCalls, String finishReason, Provenance provenance,
                        ObjectNode assistantMessage) {

    public ModelTurn {
        toolCalls = List.copyOf(toolCalls);
    }

    public boolean wantsTools() {
        return !toolCalls.isEmpty();
    }
}
