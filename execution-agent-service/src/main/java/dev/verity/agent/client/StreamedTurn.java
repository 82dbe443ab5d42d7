package dev.verity.agent.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.UserContext;
import dev.verity.runtime.receipts.ToolCallParts;
import io.quarkus.logging.Log;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Assembles one streamed cascade answer (the {@code chat.completion.chunk} events of the streaming
 * contract) into the same completion a non-streamed answer would be: text deltas joined in order,
 * tool-call fragments joined per {@code index}, the finish reason, and the provenance of the
 * cascade's last chunk. The answer only counts once {@code [DONE]} arrives; anything else that
 * ends the stream is a failure, so partial text never becomes an answer. A
 * {@code verity.attempt.superseded} event (the cascade escalated after scoring what streamed)
 * drops what was assembled: the answer is the one streamed after it.
 */
final class StreamedTurn {

    private static final String DONE = "[DONE]";
    /** The cascade's event for an attempt whose streamed text the next tier's answer replaces. */
    static final String SUPERSEDED = "verity.attempt.superseded";

    /** What one event meant for the turn. */
    sealed interface Step {
        /** New text of the answer. */
        record Text(TextDelta delta) implements Step {
        }

        /** An event without text (a tool-call fragment, usage, the provenance chunk). */
        record Quiet() implements Step {
        }

        /** The cascade replaced the text streamed so far with the next tier's answer, which follows. */
        record Replaced(Superseded superseded) implements Step {
        }

        /** The turn is over: a real answer after {@code [DONE]}, or the problem that ended the stream. */
        record End(CascadeReply reply) implements Step {
        }
    }

    private final Bodies bodies;
    private final CompletionReader reader;
    private final CallContext call;
    private final UserContext user;
    private String model;
    private final StringBuilder content = new StringBuilder();
    private final Map<Integer, ToolCallParts> toolCalls = new TreeMap<>();
    private String finishReason;
    private JsonNode provenance;
    private int attempt = 1;
    /** Model and attempt of the text being joined in {@link #readAll}. */
    private String textModel;
    private int textAttempt;
    /** Also read from the deadline's timer thread when the turn is given up. */
    private volatile boolean ended;

    /** {@code model} is the cascade's {@code x-verity-model} header; chunks name it when the header is absent. */
    StreamedTurn(Bodies bodies, CompletionReader reader, CallContext call, UserContext user, String model) {
        this.bodies = bodies;
        this.reader = reader;
        this.call = call;
        this.user = user;
        this.model = model == null || model.isBlank() ? null : model;
    }

    /** True once the turn has ended, with an answer or a problem; nothing after that is read. */
    boolean ended() {
        return ended;
    }

    /**
     * Reads the events that arrived together, in order: adjacent text joins into one delta (fewer,
     * larger events when the network delivers many chunks at once; nothing lost or reordered), and
     * nothing after the event that ended the turn is read.
     */
    List<Step> readAll(List<String> events) {
        List<Step> steps = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        textModel = model;
        textAttempt = attempt;
        for (String data : events) {
            if (ended) {
                break;
            }
            Step step = read(data);
            if (step instanceof Step.Text piece) {
                textModel = piece.delta().model();
                textAttempt = piece.delta().attempt();
                text.append(piece.delta().text());
                continue;
            }
            if (!text.isEmpty()) {
                steps.add(new Step.Text(new TextDelta(textModel, text.toString(), textAttempt)));
                text.setLength(0);
            }
            if (step instanceof Step.End || step instanceof Step.Replaced) {
                steps.add(step);
            }
        }
        if (!text.isEmpty()) {
            steps.add(new Step.Text(new TextDelta(textModel, text.toString(), textAttempt)));
        }
        return steps;
    }

    private Step read(String data) {
        if (DONE.equals(data.strip())) {
            return end(reader.read(completion(), call, user));
        }
        JsonNode chunk;
        try {
            chunk = bodies.json().readTree(data);
        } catch (Exception e) {
            return malformed("not JSON");
        }
        if (chunk == null || !chunk.isObject()) {
            return malformed("not a JSON object");
        }
        if (chunk.has("error")) {
            return end(new CascadeReply.Failed(streamProblem(chunk)));
        }
        if (SUPERSEDED.equals(chunk.path("object").asText())) {
            return superseded(chunk.path("superseded"));
        }
        if (model == null && chunk.path("model").isTextual()) {
            model = chunk.get("model").asText();
        }
        if (chunk.hasNonNull("provenance")) {
            provenance = chunk.get("provenance");
        }
        JsonNode choices = chunk.path("choices");
        if (!choices.isMissingNode() && !choices.isNull() && !choices.isArray()) {
            return malformed("choices is not an array");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode choice : choices) {
            if (choice.path("index").asInt(0) != 0) {
                continue; // the agent asks for one choice; others are not part of its answer
            }
            Optional<String> problem = choice(choice, text);
            if (problem.isPresent()) {
                return malformed(problem.get());
            }
        }
        if (text.isEmpty()) {
            return new Step.Quiet();
        }
        content.append(text);
        return new Step.Text(new TextDelta(model, text.toString(), attempt));
    }

    /**
     * The cascade's {@code verity.attempt.superseded} event: everything assembled so far belonged to
     * the replaced attempt and is dropped, so only the next tier's answer can become the turn.
     */
    private Step superseded(JsonNode superseded) {
        if (!superseded.path("model").isTextual() || !superseded.path("next_model").isTextual()) {
            return malformed("superseded event without model or next_model");
        }
        Superseded replaced = new Superseded(superseded.path("attempt").asInt(attempt), superseded.get("model").asText(),
                superseded.path("reason").asText(""),
                superseded.path("quality_score").isNumber() ? superseded.get("quality_score").asDouble() : null,
                superseded.get("next_model").asText());
        content.setLength(0);
        toolCalls.clear();
        finishReason = null;
        provenance = null;
        attempt = replaced.attempt() + 1;
        model = replaced.nextModel();
        return new Step.Replaced(replaced);
    }

    /** The body ended cleanly but without {@code [DONE]}: the answer is incomplete. */
    CascadeReply endedWithoutDone() {
        Log.warnf("request %s: llm-cascade stream ended without [DONE]", call.requestId());
        ended = true;
        return CompletionReader.failed(ErrorType.LLM_UPSTREAM_ERROR,
                "The model service's answer stream ended before the answer was complete.", call, user);
    }

    /** The turn is given up by this side (deadline, run cancelled): what the connection does next means nothing. */
    void abandon() {
        ended = true;
    }

    /** The connection broke while the answer was streaming. */
    CascadeReply cut(Throwable cause) {
        if (!ended) {
            Log.warnf("request %s: llm-cascade stream cut: %s", call.requestId(), cause.toString());
        }
        ended = true;
        return CompletionReader.failed(ErrorType.LLM_UPSTREAM_ERROR,
                "The connection to the model service was lost while the answer was streaming.", call, user);
    }

    /** Reads one choice's delta into the turn; the reason when it cannot be read. */
    private Optional<String> choice(JsonNode choice, StringBuilder text) {
        JsonNode delta = choice.path("delta");
        if (!delta.isMissingNode() && !delta.isNull() && !delta.isObject()) {
            return Optional.of("delta is not an object");
        }
        JsonNode piece = delta.path("content");
        if (piece.isTextual()) {
            text.append(piece.asText());
        } else if (!piece.isMissingNode() && !piece.isNull()) {
            return Optional.of("delta.content is not text");
        }
        JsonNode calls = delta.path("tool_calls");
        if (!calls.isMissingNode() && !calls.isNull()) {
            if (!calls.isArray()) {
                return Optional.of("delta.tool_calls is not an array");
            }
            for (JsonNode fragment : calls) {
                if (!fragment.path("index").isInt()) {
                    return Optional.of("tool call fragment without index");
                }
                toolCalls.computeIfAbsent(fragment.get("index").asInt(), index -> new ToolCallParts()).add(fragment);
            }
        }
        if (choice.path("finish_reason").isTextual()) {
            finishReason = choice.get("finish_reason").asText();
        }
        return Optional.empty();
    }

    /** The assembled answer in the shape of a non-streamed completion, so both are judged alike. */
    private ObjectNode completion() {
        ObjectNode completion = bodies.json().createObjectNode();
        ObjectNode choice = completion.putArray("choices").addObject().put("index", 0);
        if (finishReason != null) {
            choice.put("finish_reason", finishReason);
        }
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (content.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", content.toString());
        }
        if (!toolCalls.isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            toolCalls.values().forEach(parts -> calls.add(parts.toJson(bodies.json().createObjectNode())));
        }
        if (provenance != null) {
            completion.set("provenance", provenance);
        }
        return completion;
    }

    /** The cascade's error event: its problem as sent, or one built from its code. */
    private Problem streamProblem(JsonNode chunk) {
        JsonNode error = chunk.path("error");
        Log.warnf("request %s: llm-cascade stream ended with an error event: %s (%s)", call.requestId(),
                error.path("code").asText("no code"), error.path("message").asText(""));
        Optional<Problem> problem = bodies.problem(chunk.get("problem"));
        if (problem.isPresent()) {
            return problem.get();
        }
        ErrorType type = ErrorType.LLM_UPSTREAM_ERROR;
        try {
            type = ErrorType.fromWire(error.path("code").asText(""));
        } catch (IllegalArgumentException unknown) {
            // Not one of the contract's error types: reported as the provider error it is.
        }
        return ((CascadeReply.Failed) CompletionReader.failed(type,
                "The model's answer stream failed before the answer was complete.", call, user)).problem();
    }

    private Step malformed(String why) {
        Log.warnf("request %s: llm-cascade sent an unreadable stream chunk (%s)", call.requestId(), why);
        return end(CompletionReader.invalid("The model service sent part of its answer in a form this service cannot read.",
                call, user));
    }

    private Step end(CascadeReply reply) {
        ended = true;
        return new Step.End(reply);
    }
}
