package dev.verity.agent.run;

import dev.verity.agent.client.Superseded;
import dev.verity.agent.client.TextDelta;
import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.Problem;
import dev.verity.contract.Provenance;
import dev.verity.contract.Services;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The events of one run, for its own user only. The first terminal event ends the
 * stream; nothing is emitted after it, so every run has exactly one.
 */
final class RunEvents {

    private final MultiEmitter<? super Event> emitter;
    private final String requestId;
    private final String userId;
    private final AtomicBoolean ended = new AtomicBoolean();

    RunEvents(MultiEmitter<? super Event> emitter, String requestId, String userId) {
        this.emitter = emitter;
        this.requestId = requestId;
        this.userId = userId;
    }

    boolean ended() {
        return ended.get();
    }

    void started(Instant deadline, int maxSteps) {
        emit(EventType.AGENT_STARTED, data("deadline", deadline, "max_steps", maxSteps));
    }

    void thinking(int step, String model) {
        emit(EventType.AGENT_THINKING, data("step", step, "model", model));
    }

    /** Text of the model's answer as it streams in: a real call is in flight and this is what it produced so far. */
    void thinkingDelta(int step, TextDelta delta) {
        emit(EventType.AGENT_THINKING, data("model", delta.model(), "delta", delta.text(), "step", step,
                "attempt", delta.attempt()));
    }

    /**
     * The text of an attempt is replaced by the next tier's answer: said before that answer's deltas,
     * with the attempt and model it replaces and why; {@code model} and {@code attempt} name what follows.
     */
    void superseded(int step, Superseded superseded) {
        Map<String, Object> replaced = data("attempt", superseded.attempt(), "model", superseded.model(),
                "reason", superseded.reason(), "quality_score", superseded.qualityScore());
        emit(EventType.AGENT_THINKING, data("step", step, "model", superseded.nextModel(),
                "attempt", superseded.attempt() + 1, "superseded", replaced));
    }

    void toolExecuting(int step, String tool, String callId, Object arguments) {
        emit(EventType.TOOL_EXECUTING, data("step", step, "tool", tool, "call_id", callId, "arguments", arguments));
    }

    void toolSucceeded(int step, String tool, String callId, Map<String, Object> summary) {
        emit(EventType.TOOL_COMPLETED, data("step", step, "tool", tool, "call_id", callId, "outcome", "success",
                "summary", summary));
    }

    void toolFailed(int step, String tool, String callId, Problem problem) {
        emit(EventType.TOOL_COMPLETED, data("step", step, "tool", tool, "call_id", callId, "outcome", "failed",
                "problem", problem));
    }

    void degraded(String service, String reason, String impact) {
        emit(EventType.SERVICE_DEGRADED, data("service", service, "reason", reason, "impact", impact));
    }

    void unavailable(String service, String reason, String errorType, Integer retryAfterSeconds) {
        Map<String, Object> data = data("service", service, "reason", reason, "error_type", errorType);
        if (retryAfterSeconds != null) {
            data.put("estimated_recovery_seconds", retryAfterSeconds);
        }
        data.put("alternatives", retryAfterSeconds == null
                ? java.util.List.of("watch the status page")
                : java.util.List.of("retry after " + retryAfterSeconds + " seconds", "watch the status page"));
        emit(EventType.SERVICE_UNAVAILABLE, data);
    }

    void completed(String response, Provenance provenance) {
        end(EventType.AGENT_COMPLETED, data("response", response, "provenance", provenance));
    }

    void failed(Problem problem) {
        end(EventType.AGENT_FAILED, data("problem", problem));
    }

    private void end(EventType type, Map<String, Object> data) {
        if (ended.compareAndSet(false, true)) {
            emitter.emit(event(type, data));
            emitter.complete();
        }
    }

    private void emit(EventType type, Map<String, Object> data) {
        if (!ended.get()) {
            emitter.emit(event(type, data));
        }
    }

    private Event event(EventType type, Map<String, Object> data) {
        return new Event(type, null, requestId, userId, Instant.now(), Services.EXECUTION_AGENT, null, data);
    }

    /** Key/value pairs in order; absent values are left out rather than sent as null. */
    private static Map<String, Object> data(Object... pairs) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                data.put((String) pairs[i], pairs[i + 1]);
            }
        }
        return data;
    }
}
