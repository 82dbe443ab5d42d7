package dev.verity.agent.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.Problem;

/** The data agent's real result for one tool call, or the real reason there is none. */
public sealed interface ToolOutcome {

    record Succeeded(JsonNode result) implements ToolOutcome {
    }

    record Failed(Problem problem) implements ToolOutcome {
    }
}
