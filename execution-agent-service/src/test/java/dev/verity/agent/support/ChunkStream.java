package dev.verity.agent.support;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.Problem;
import dev.verity.contract.Provenance;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of one streamed cascade answer, event by event, exactly in the streaming contract's
 * shape: {@code chat.completion.chunk} events, the cascade's last chunk with {@code choices: []},
 * {@code usage} and {@code provenance}, then {@code [DONE]}; or a failure in its place.
 */
public final class ChunkStream {

    /** Text goes out in pieces this many code points long, so no answer arrives in one chunk. */
    private static final int PIECE = 5;

    private final String id;
    private final String model;
    private final List<String> events = new ArrayList<>();

    public ChunkStream(String id, String model) {
        this.id = id;
        this.model = model;
        ObjectNode first = chunk();
        first.putArray("choices").addObject().put("index", 0).putNull("finish_reason")
                .putObject("delta").put("role", "assistant").put("content", "");
        events.add(first.toString());
    }

    /** The text in pieces of a few characters (never splitting a character). */
    public ChunkStream text(String text) {
        int[] codePoints = text.codePoints().toArray();
        for (int start = 0; start < codePoints.length; start += PIECE) {
            String piece = new String(codePoints, start, Math.min(PIECE, codePoints.length - start));
            ObjectNode chunk = chunk();
            chunk.putArray("choices").addObject().put("index", 0).putNull("finish_reason")
                    .putObject("delta").put("content", piece);
            events.add(chunk.toString());
        }
        return this;
    }

    /** One tool call as OpenAI streams it: id and name first, then the arguments in fragments. */
    public ChunkStream toolCall(int index, String callId, String name, String arguments, int fragments) {
        ObjectNode start = chunk();
        ObjectNode call = start.putArray("choices").addObject().put("index", 0).putNull("finish_reason")
                .putObject("delta").putArray("tool_calls").addObject().put("index", index).put("id", callId)
                .put("type", "function");
        call.putObject("function").put("name", name).put("arguments", "");
        events.add(start.toString());
        int size = Math.max(1, (arguments.length() + fragments - 1) / fragments);
        for (int from = 0; from < arguments.length(); from += size) {
            ObjectNode chunk = chunk();
            chunk.putArray("choices").addObject().put("index", 0).putNull("finish_reason")
                    .putObject("delta").putArray("tool_calls").addObject().put("index", index)
                    .putObject("function").put("arguments", arguments.substring(from, Math.min(arguments.length(), from + size)));
            events.add(chunk.toString());
        }
        return this;
    }

    public ChunkStream finish(String reason) {
        ObjectNode chunk = chunk();
        chunk.putArray("choices").addObject().put("index", 0).put("finish_reason", reason).putObject("delta");
        events.add(chunk.toString());
        return this;
    }

    /** The cascade's own last chunk: no choices, the usage and the provenance of the answer. */
    public ChunkStream provenance(Provenance provenance) {
        ObjectNode chunk = chunk();
        chunk.putArray("choices");
        chunk.putObject("usage").put("prompt_tokens", 212).put("completion_tokens", 38).put("total_tokens", 250);
        if (provenance != null) {
            chunk.set("provenance", Json.MAPPER.valueToTree(provenance));
        }
        events.add(chunk.toString());
        return this;
    }

    /** The contract's mid-stream failure event; {@code problem} null for an error event without one. */
    public ChunkStream error(String code, Problem problem) {
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.putObject("error").put("message", problem == null ? "The provider failed." : problem.detail())
                .put("type", "server_error").put("code", code);
        if (problem != null) {
            event.set("problem", Json.MAPPER.valueToTree(problem));
        }
        events.add(event.toString());
        return this;
    }

    /**
     * The cascade's announcement that the text streamed so far (attempt {@code attempt} of
     * {@code model}) is replaced by {@code next}'s answer, which follows.
     */
    public ChunkStream superseded(int attempt, String model, String reason, double score, String next) {
        ObjectNode event = Json.MAPPER.createObjectNode().put("object", "verity.attempt.superseded").put("model", model);
        event.putArray("choices");
        event.putObject("superseded").put("attempt", attempt).put("model", model).put("reason", reason)
                .put("quality_score", score).put("next_model", next);
        events.add(event.toString());
        return this;
    }

    /** The chunks of another model's answer after a supersession, in this same body. */
    public ChunkStream then(ChunkStream next) {
        events.addAll(next.events);
        return this;
    }

    /** Any data line, as it stands (for chunks a cascade should never send). */
    public ChunkStream raw(String data) {
        events.add(data);
        return this;
    }

    /** How many events the body holds so far: where a paused stream stops until it is resumed. */
    public int size() {
        return events.size();
    }

    public ChunkStream done() {
        events.add("[DONE]");
        return this;
    }

    public String body() {
        StringBuilder body = new StringBuilder();
        events.forEach(data -> body.append("data: ").append(data).append("\n\n"));
        return body.toString();
    }

    private ObjectNode chunk() {
        return Json.MAPPER.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", Instant.now().getEpochSecond()).put("model", model);
    }
}
