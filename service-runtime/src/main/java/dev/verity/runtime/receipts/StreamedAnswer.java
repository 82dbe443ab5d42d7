package dev.verity.runtime.receipts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.receipt.Digests;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A streamed answer joined from its chunks as a client joins them: every {@code delta.content}
 * and {@code delta.refusal} piece of choice 0 in order; per tool-call {@code index} the first id,
 * the name pieces and the argument pieces. The cascade signs what it joined, the gateway checks
 * what it joined; text in any other choice is noted, since no receipt covers it. Not
 * thread-safe: one stream, chunks in order.
 */
public final class StreamedAnswer {

    private final StringBuilder content = new StringBuilder();
    private StringBuilder refusal;
    private final Map<Integer, ToolCallParts> calls = new TreeMap<>();
    private boolean otherChoices;

    public void accept(JsonNode chunk) {
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode delta = choice.path("delta");
            if (choice.path("index").asInt(0) != 0) {
                otherChoices |= delta.size() > 0;
                continue;
            }
            if (delta.path("content").isTextual()) {
                content.append(delta.get("content").asText());
            }
            if (delta.path("refusal").isTextual()) {
                if (refusal == null) {
                    refusal = new StringBuilder();
                }
                refusal.append(delta.get("refusal").asText());
            }
            for (JsonNode fragment : delta.path("tool_calls")) {
                calls.computeIfAbsent(fragment.path("index").asInt(0), i -> new ToolCallParts()).add(fragment);
            }
        }
    }

    /** Whether a choice other than the first carried anything (no receipt covers it). */
    public boolean otherChoices() {
        return otherChoices;
    }

    public AnswerParts parts() {
        List<Digests.ToolCallText> joined = new ArrayList<>();
        calls.values().forEach(call -> joined.add(new Digests.ToolCallText(call.id(), call.name(),
                call.arguments())));
        return new AnswerParts(content.toString(), refusal == null ? null : refusal.toString(), joined);
    }
}
