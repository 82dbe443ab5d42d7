package dev.verity.gateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.gateway.routing.StreamEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The authenticity guard's state over one streamed completion. Answer text is held back by as
 * many characters as the longest canned phrase minus one, so a phrase is recognised when its
 * last character arrives and the caller has not yet received it whole. Held-back text rides in
 * the next chunk that is relayed (same envelope, shorter or longer {@code content}); chunks
 * whose only payload was held back are not relayed at all. Not thread-safe: one stream, one
 * subscriber, events in order.
 */
final class StreamWatch {

    /** Thrown when the stream must stop; the reason is for the log, never for the caller. */
    static final class Violation extends RuntimeException {
        Violation(String reason) {
            super(reason, null, false, false);
        }
    }

    private static final String DONE = "[DONE]";
    private static final Set<String> ENVELOPE = Set.of("id", "object", "created", "model", "system_fingerprint", "service_tier");

    private final List<String> phrases;
    private final int longest;
    private final int holdBack;
    private final ObjectMapper json;
    /** Per choice index: all its text so far (lower case, for matching) and the part not yet relayed. */
    private final Map<Integer, StringBuilder> seen = new TreeMap<>();
    private final Map<Integer, StringBuilder> held = new TreeMap<>();
    private ObjectNode lastChunk;
    private boolean lastChunkHadProvenance;

    StreamWatch(List<String> lowerCasePhrases, ObjectMapper json) {
        this.phrases = lowerCasePhrases;
        this.longest = lowerCasePhrases.stream().mapToInt(String::length).max().orElse(0);
        this.holdBack = Math.max(0, longest - 1);
        this.json = json;
    }

    /** What to relay for one upstream event, in order. */
    List<StreamEvent> accept(StreamEvent event) {
        if (!(event instanceof StreamEvent.Data data)) {
            return List.of(event);
        }
        String payload = data.payload();
        if (DONE.equals(payload)) {
            if (!lastChunkHadProvenance) {
                throw new Violation("stream reached [DONE] without a final chunk carrying provenance (model and provider_request_id)");
            }
            return withHeldText(List.of(event));
        }
        JsonNode parsed;
        try {
            parsed = json.readTree(payload);
        } catch (Exception e) {
            throw new Violation("unreadable stream event");
        }
        if (!(parsed instanceof ObjectNode chunk)) {
            throw new Violation("stream event that is not a JSON object");
        }
        if (chunk.path("error").isObject()) {
            // An honest failure of the service: relayed as it is, after the real text before it.
            return withHeldText(List.of(event));
        }
        return chunk(chunk, payload);
    }

    /** The text still held back, as chunks in the last envelope; used when the stream ends early. */
    List<StreamEvent> heldText() {
        List<StreamEvent> out = new ArrayList<>();
        for (Map.Entry<Integer, StringBuilder> entry : held.entrySet()) {
            if (!entry.getValue().isEmpty() && lastChunk != null) {
                out.add(carrier(entry.getKey(), entry.getValue().toString()));
                entry.getValue().setLength(0);
            }
        }
        return out;
    }

    private List<StreamEvent> withHeldText(List<StreamEvent> then) {
        List<StreamEvent> out = heldText();
        out.addAll(then);
        return out;
    }

    private List<StreamEvent> chunk(ObjectNode chunk, String payload) {
        lastChunk = chunk;
        lastChunkHadProvenance = hasText(chunk.path("provenance").path("model"))
                && hasText(chunk.path("provenance").path("provider_request_id"));
        JsonNode choices = chunk.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            // The final chunk (usage, provenance): whatever text is still held goes out before it.
            return withHeldText(List.of(new StreamEvent.Data(payload)));
        }
        boolean changed = false;
        boolean carriesMore = chunk.properties().stream()
                .anyMatch(field -> !ENVELOPE.contains(field.getKey()) && !"choices".equals(field.getKey()) && !field.getValue().isNull());
        for (JsonNode choice : (ArrayNode) choices) {
            int index = choice.path("index").asInt(0);
            JsonNode delta = choice.path("delta");
            JsonNode content = delta.path("content");
            boolean finished = !choice.path("finish_reason").isMissingNode() && !choice.path("finish_reason").isNull();
            if (!content.isTextual()) {
                if (finished && hasHeld(index) && delta instanceof ObjectNode d) {
                    d.put("content", release(index, true));
                    changed = true;
                }
                carriesMore |= finished || delta.size() > 0;
                continue;
            }
            String text = content.asText();
            check(index, text);
            held.computeIfAbsent(index, i -> new StringBuilder()).append(text);
            String released = release(index, finished);
            if (!released.equals(text)) {
                ((ObjectNode) delta).put("content", released);
                changed = true;
            }
            carriesMore |= finished || !released.isEmpty() || delta.size() > 1;
        }
        if (!carriesMore) {
            return List.of();
        }
        return List.of(new StreamEvent.Data(changed ? chunk.toString() : payload));
    }

    private void check(int index, String text) {
        StringBuilder all = seen.computeIfAbsent(index, i -> new StringBuilder());
        all.append(text.toLowerCase(Locale.ROOT));
        // Only a phrase that ends in the new text can be new.
        int from = Math.max(0, all.length() - text.length() - longest);
        for (String phrase : phrases) {
            if (all.indexOf(phrase, from) >= 0) {
                throw new Violation("canned phrase \"" + phrase + "\" in the streamed answer");
            }
        }
    }

    /** Takes from the held text of a choice what may go out now: all of it once the choice is finished. */
    private String release(int index, boolean finished) {
        StringBuilder text = held.get(index);
        int upTo = finished ? text.length() : Math.max(0, text.length() - holdBack);
        String out = text.substring(0, upTo);
        text.delete(0, upTo);
        return out;
    }

    private boolean hasHeld(int index) {
        return held.containsKey(index) && !held.get(index).isEmpty();
    }

    private StreamEvent carrier(int index, String text) {
        ObjectNode chunk = json.createObjectNode();
        for (String field : List.of("id", "object", "created", "model", "system_fingerprint")) {
            if (lastChunk.has(field)) {
                chunk.set(field, lastChunk.get(field));
            }
        }
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", index);
        choice.putObject("delta").put("content", text);
        choice.putNull("finish_reason");
        return new StreamEvent.Data(chunk.toString());
    }

    private static boolean hasText(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank();
    }
}
