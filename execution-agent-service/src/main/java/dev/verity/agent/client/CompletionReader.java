package dev.verity.agent.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Provenance;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Judges one complete cascade answer, a {@code chat.completion} with its top-level
 * {@code provenance} as {@link StreamedTurn} assembles it from the streamed chunks, and turns it
 * into a model turn. Nothing is accepted as an answer without provenance, and an answer with neither text nor
 * tool calls is no answer.
 */
@ApplicationScoped
class CompletionReader {

    private final Bodies bodies;

    CompletionReader(Bodies bodies) {
        this.bodies = bodies;
    }

    CascadeReply read(JsonNode root, CallContext call, UserContext user) {
        Optional<Provenance> provenance = bodies.read(root.get("provenance"), Provenance.class);
        if (provenance.isEmpty()) {
            Log.errorf("request %s: llm-cascade answer without provenance refused", call.requestId());
            return invalid("The model service returned an answer without provenance; it was not used.", call, user);
        }
        JsonNode choice = root.path("choices").path(0);
        JsonNode message = choice.path("message");
        String content = message.path("content").isTextual() ? message.get("content").asText() : null;
        List<ToolCall> calls = new ArrayList<>();
        ArrayNode rawCalls = bodies.json().createArrayNode();
        for (JsonNode raw : message.path("tool_calls")) {
            JsonNode function = raw.path("function");
            if (!raw.path("id").isTextual() || !function.path("name").isTextual()) {
                return invalid("The model returned a tool call this service cannot read.", call, user);
            }
            calls.add(new ToolCall(raw.get("id").asText(), function.get("name").asText(), function.path("arguments").asText("")));
            rawCalls.add(raw);
        }
        if (calls.isEmpty() && (content == null || content.isBlank())) {
            return invalid("The model returned an empty answer.", call, user);
        }
        ObjectNode assistant = bodies.json().createObjectNode().put("role", "assistant");
        if (content == null) {
            assistant.putNull("content");
        } else {
            assistant.put("content", content);
        }
        if (!calls.isEmpty()) {
            assistant.set("tool_calls", rawCalls);
        }
        return new CascadeReply.Answered(new ModelTurn(content, calls, choice.path("finish_reason").asText(null),
                provenance.get(), assistant));
    }

    static CascadeReply invalid(String detail, CallContext call, UserContext user) {
        return failed(ErrorType.LLM_INVALID_RESPONSE, detail, call, user);
    }

    static CascadeReply failed(ErrorType type, String detail, CallContext call, UserContext user) {
        return new CascadeReply.Failed(Problem.of(type, detail, Services.EXECUTION_AGENT, user, call.requestId()));
    }
}
