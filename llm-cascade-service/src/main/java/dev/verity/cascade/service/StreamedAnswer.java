package dev.verity.cascade.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.cascade.client.ProviderReply;
import dev.verity.contract.Usage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the relay has seen of one provider stream, kept so the answer can be scored when it ends
 * exactly as a plain answer is: the text, the tool calls joined from their fragments, the finish
 * reason, a refusal, token log-probabilities and the usage the provider reported. Touched only by
 * that stream's serialised signals.
 */
final class StreamedAnswer {

    volatile boolean providerDone;
    String id;
    long created;
    /** The model the provider says answered, from its first chunk (before the relay renames it). */
    String providerModel;
    JsonNode rawUsage;
    Usage tokens;
    /** The same chunks as the caller receives them, for the receipt (runtime {@code receipts}). */
    final dev.verity.runtime.receipts.StreamedAnswer signed = new dev.verity.runtime.receipts.StreamedAnswer();
    private final StringBuilder content = new StringBuilder();
    private final StringBuilder refusal = new StringBuilder();
    private final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
    private final List<Double> logprobs = new ArrayList<>();
    private String finishReason;

    /** Takes in one provider chunk (before the relay renames its model); only the first choice is the answer. */
    void add(JsonNode chunk) {
        if (id == null) {
            id = chunk.path("id").asText();
            created = chunk.path("created").isNumber() ? chunk.path("created").asLong() : Instant.now().getEpochSecond();
            providerModel = chunk.path("model").isTextual() ? chunk.get("model").asText() : null;
        }
        for (JsonNode choice : chunk.path("choices")) {
            if (choice.path("index").asInt(0) != 0) {
                continue;
            }
            JsonNode delta = choice.path("delta");
            if (delta.path("content").isTextual()) {
                content.append(delta.get("content").asText());
            }
            if (delta.path("refusal").isTextual()) {
                refusal.append(delta.get("refusal").asText());
            }
            for (JsonNode fragment : delta.path("tool_calls")) {
                toolCall(fragment);
            }
            for (JsonNode token : choice.path("logprobs").path("content")) {
                if (token.path("logprob").isNumber()) {
                    logprobs.add(token.get("logprob").asDouble());
                }
            }
            if (choice.path("finish_reason").isTextual()) {
                finishReason = choice.get("finish_reason").asText();
            }
        }
    }

    private void toolCall(JsonNode fragment) {
        ObjectNode call = toolCalls.computeIfAbsent(fragment.path("index").asInt(0), index -> {
            ObjectNode fresh = JsonSupport.JSON.createObjectNode().put("type", "function");
            fresh.putObject("function").put("arguments", "");
            return fresh;
        });
        if (fragment.path("id").isTextual() && !call.has("id")) {
            call.put("id", fragment.get("id").asText());
        }
        ObjectNode function = (ObjectNode) call.get("function");
        JsonNode piece = fragment.path("function");
        if (piece.path("name").isTextual()) {
            function.put("name", function.path("name").asText("") + piece.get("name").asText());
        }
        if (piece.path("arguments").isTextual()) {
            function.put("arguments", function.path("arguments").asText() + piece.get("arguments").asText());
        }
    }

    /** The whole answer in the shape of a plain provider reply, so {@link QualityScorer} judges both alike. */
    ProviderReply reply() {
        ObjectNode choice = JsonSupport.JSON.createObjectNode().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        message.put("content", content.toString());
        if (!toolCalls.isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            toolCalls.values().forEach(calls::add);
        }
        return new ProviderReply(id, created, List.of(choice), rawUsage, tokens, null, finishReason,
                content.isEmpty() ? null : content.toString(), !toolCalls.isEmpty(),
                refusal.isEmpty() ? null : refusal.toString(), logprobs.isEmpty() ? null : List.copyOf(logprobs), null);
    }

    /** A plain mapper for building nodes; nothing here is (de)serialised with application settings. */
    private static final class JsonSupport {
        static final ObjectMapper JSON = new ObjectMapper();
    }
}
