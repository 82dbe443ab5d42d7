package dev.verity.cascade.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Usage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a provider's success bodies and checks them against the protocol: a whole chat completion
 * becomes a {@link ProviderReply}, one streamed {@code data:} payload a chunk. Anything that is not
 * what the protocol promises is a {@link ProviderFault#invalidResponse} (or, for an error event,
 * {@link ProviderFault#streamError}): a 200 with an unusable body is a failed call, never an answer.
 */
final class CompletionBodies {

    private final ObjectMapper json;

    CompletionBodies(ObjectMapper json) {
        this.json = json;
    }

    /** A non-streamed completion; fails unless it has an id, a choice, and content, tool calls or a refusal. */
    ProviderReply reply(int status, String body) {
        JsonNode root;
        try {
            root = body == null ? null : json.readTree(body);
        } catch (IOException e) {
            throw ProviderFault.invalidResponse(status, "body is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw ProviderFault.invalidResponse(status, "body is not a JSON object");
        }
        JsonNode choices = root.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            throw ProviderFault.invalidResponse(status, "no choices");
        }
        String id = text(root.path("id"));
        if (id == null || id.isBlank()) {
            throw ProviderFault.invalidResponse(status, "no response id");
        }
        JsonNode first = choices.get(0);
        JsonNode message = first.path("message");
        if (!message.isObject()) {
            throw ProviderFault.invalidResponse(status, "first choice has no message");
        }
        String content = text(message.path("content"));
        boolean toolCalls = message.path("tool_calls").isArray() && !message.path("tool_calls").isEmpty();
        String refusal = text(message.path("refusal"));
        if ((content == null || content.isBlank()) && !toolCalls && (refusal == null || refusal.isBlank())) {
            throw ProviderFault.invalidResponse(status, "empty content");
        }
        List<JsonNode> allChoices = new ArrayList<>();
        choices.forEach(allChoices::add);
        JsonNode usageNode = root.path("usage");
        Usage usage = usageNode.path("prompt_tokens").canConvertToInt() && usageNode.path("completion_tokens").canConvertToInt()
                && usageNode.path("prompt_tokens").isNumber() && usageNode.path("completion_tokens").isNumber()
                ? new Usage(usageNode.path("prompt_tokens").asInt(), usageNode.path("completion_tokens").asInt())
                : null;
        return new ProviderReply(id, root.path("created").isNumber() ? root.path("created").asLong() : null,
                allChoices, usageNode.isObject() ? usageNode : null, usage, text(root.path("system_fingerprint")),
                text(first.path("finish_reason")), content, toolCalls, refusal, logprobs(first.path("logprobs")),
                text(root.path("model")));
    }

    /** One {@code chat.completion.chunk} (the {@code data:} of one event, not {@code [DONE]}). */
    JsonNode chunk(String data) {
        JsonNode chunk;
        try {
            chunk = json.readTree(data);
        } catch (IOException e) {
            throw ProviderFault.invalidResponse(200, "stream chunk is not JSON");
        }
        if (chunk != null && chunk.has("error")) {
            throw ProviderFault.streamError(abbreviate(chunk.path("error").toString()));
        }
        if (chunk == null || !chunk.isObject() || !chunk.path("choices").isArray()) {
            throw ProviderFault.invalidResponse(200, "stream chunk has no choices");
        }
        if (!chunk.path("id").isTextual() || chunk.path("id").asText().isBlank()) {
            throw ProviderFault.invalidResponse(200, "stream chunk has no id");
        }
        return chunk;
    }

    /** Upstream text bounded for the log; it never reaches a user. */
    static String abbreviate(String body) {
        if (body == null) {
            return "";
        }
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }

    private static List<Double> logprobs(JsonNode logprobs) {
        JsonNode content = logprobs.path("content");
        if (!content.isArray() || content.isEmpty()) {
            return null;
        }
        List<Double> values = new ArrayList<>();
        content.forEach(token -> {
            if (token.path("logprob").isNumber()) {
                values.add(token.path("logprob").asDouble());
            }
        });
        return values.isEmpty() ? null : values;
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }
}
