package dev.verity.cascade.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.cascade.client.ModelSpec;
import dev.verity.cascade.client.ProviderFault;
import dev.verity.contract.Attempt;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Provenance;
import dev.verity.contract.Services;
import dev.verity.contract.Usage;
import dev.verity.contract.UsageEvent;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a started provider stream into the events the caller receives (the streaming
 * contract): each provider chunk relayed as it arrives, under the Verity model name; then, once
 * the cascade has scored the whole answer ({@link Cascade}), one last chunk written here with
 * {@code choices: []}, the provider's usage and the provenance, and {@code [DONE]}. After the
 * first chunk the answer belongs to this model: a cut connection, a malformed chunk, a provider
 * error event or a silence longer than the model's {@code stream-idle-timeout} ends the stream
 * with one error event carrying the problem, and no {@code [DONE]}, so no client can mistake a
 * partial answer for a whole one. The one exception is announced escalation
 * ({@link StreamDecision#ANNOUNCED}): there a low-scoring answer is followed by a
 * {@code verity.attempt.superseded} event and the next model's chunks.
 */
@ApplicationScoped
public class StreamRelay {

    static final String DONE = "data: [DONE]\n\n";
    /** The {@code object} of the event that says an attempt's streamed text is replaced. */
    public static final String SUPERSEDED = "verity.attempt.superseded";
    private static final String CHUNK = "chat.completion.chunk";
    /** The {@code error.type} of a stream its caller left: no §4 error type describes that. */
    static final String CANCELLED = "cancelled";

    private final ModelGuards guards;
    private final CascadeMetrics metrics;
    private final AnswerSigner signer;
    private final ObjectMapper json;
    private final AttemptSpans spans;

    public StreamRelay(ModelGuards guards, CascadeMetrics metrics, AnswerSigner signer, ObjectMapper json,
            AttemptSpans spans) {
        this.spans = spans;
        this.guards = guards;
        this.metrics = metrics;
        this.signer = signer;
        this.json = json;
    }

    /**
     * The relayed chunks of one started stream; {@code seen} collects the whole answer for scoring.
     * Completes when the provider ended its stream cleanly, fails with the reason otherwise, and
     * records the stream's usage event whatever its end, before anything after it runs.
     */
    public Multi<String> chunks(StreamOutcome.Started stream, CallContext context, StreamedAnswer seen) {
        ModelSpec model = stream.model();
        long idleMs = model.streamIdleTimeout().toMillis();
        // The idle clock runs between chunks handed on, so a client that stops reading for that long
        // ends the stream too, rather than holding the provider connection open for it.
        Multi<JsonNode> chunks = Multi.createBy().concatenating().streams(
                        Multi.createFrom().item(stream.first()),
                        stream.rest().ifNoItem().after(model.streamIdleTimeout())
                                .failWith(() -> ProviderFault.streamIdle(idleMs)))
                .onCompletion().invoke(() -> seen.providerDone = true)
                // A caller gone before the rest was subscribed would otherwise leave the provider call open.
                .onCancellation().invoke(stream.abandon());
        long remaining = context.remainingMs();
        if (remaining != Long.MAX_VALUE) {
            // No service works past the caller's deadline, a stream included.
            chunks = chunks.select().first(Duration.ofMillis(Math.max(1, remaining)));
        }
        return chunks
                .onItem().transformToIterable(chunk -> relay(model, chunk, seen))
                .onCompletion().switchTo(() -> seen.providerDone
                        ? Multi.createFrom().empty()
                        : Multi.createFrom().failure(new DeadlineReached()))
                .onTermination().invoke((failure, cancelled) -> ended(stream, context, seen, failure, cancelled));
    }

    /** Milliseconds since the stream's call was made. */
    static long latencyMs(StreamOutcome.Started stream) {
        return (System.nanoTime() - stream.startedNanos()) / 1_000_000;
    }

    /** The provider's chunk as the caller sees it; a usage-only chunk is folded into the last chunk. */
    private List<String> relay(ModelSpec model, JsonNode chunk, StreamedAnswer seen) {
        ObjectNode relayed = (ObjectNode) chunk;
        seen.add(relayed);
        JsonNode usage = relayed.remove("usage");
        if (usage != null && usage.isObject()) {
            seen.rawUsage = usage;
            seen.tokens = tokens(usage);
        }
        if (relayed.path("choices").isEmpty() && usage != null) {
            return List.of();
        }
        relayed.put("model", model.name());
        // What the caller receives of this attempt is what the last chunk's receipt covers.
        seen.signed.accept(relayed);
        return List.of(event(relayed));
    }

    /**
     * The stream's last chunk: no choices, the provider's usage, and the provenance of the decision,
     * signed over the text of the attempt it names (a superseded attempt's text is not covered).
     */
    String last(ModelSpec model, StreamedAnswer seen, Provenance provenance, CallContext context, boolean includeUsage) {
        provenance = signer.sign(provenance, seen.signed.parts(), context.requestId(), model.upstreamModel(), true);
        ObjectNode last = json.createObjectNode()
                .put("id", seen.id)
                .put("object", CHUNK)
                .put("created", seen.created)
                .put("model", model.name());
        last.putArray("choices");
        if (seen.rawUsage != null) {
            last.set("usage", seen.rawUsage);
        } else if (includeUsage) {
            // Asked for, not reported by the provider: said as unknown, never estimated.
            last.putNull("usage");
        }
        ObjectNode provenanceNode = json.valueToTree(provenance);
        if (seen.tokens == null) {
            provenanceNode.putNull("usage");
        }
        last.set("provenance", provenanceNode);
        return event(last);
    }

    /**
     * Tells the caller that the text streamed for {@code attempt} is replaced, and why, before the
     * next model's chunks: {@code {"object":"verity.attempt.superseded","superseded":{…}}}.
     */
    String superseded(int attempt, ModelSpec model, QualityScorer.Score score, String reason, ModelSpec next) {
        ObjectNode event = json.createObjectNode().put("object", SUPERSEDED).put("model", model.name());
        event.putArray("choices");
        event.putObject("superseded")
                .put("attempt", attempt)
                .put("model", model.name())
                .put("reason", reason)
                .put("quality_score", score.value())
                .put("next_model", next.name());
        return event(event);
    }

    private void ended(StreamOutcome.Started stream, CallContext context, StreamedAnswer seen, Throwable failure,
            boolean cancelled) {
        String model = stream.model().name();
        if (failure == null && !cancelled) {
            metrics.stream(model, CascadeMetrics.StreamStage.COMPLETED);
            guards.streamEnded(stream, context, seen.tokens, UsageEvent.Outcome.SUCCESS, null);
            spans.streamEnded(stream, seen.providerModel, seen.tokens, null);
        } else if (cancelled) {
            // The caller left: the upstream call is reset and ends unfinished. No §4 error type
            // describes a caller leaving, so the event says error without one; tokens are unknown.
            Log.infof("stream of model %s for request %s cancelled by the caller", model, context.requestId());
            metrics.stream(model, CascadeMetrics.StreamStage.CANCELLED);
            guards.streamEnded(stream, context, seen.tokens, UsageEvent.Outcome.ERROR, null);
            spans.streamEnded(stream, seen.providerModel, seen.tokens, CANCELLED);
        } else {
            ErrorType type = errorType(failure);
            Log.warnf("stream of model %s failed mid-stream for request %s: %s (%s)", model, context.requestId(),
                    type.wire(), failure.getMessage());
            metrics.stream(model, CascadeMetrics.StreamStage.FAILED);
            guards.streamEnded(stream, context, seen.tokens,
                    type == ErrorType.LLM_TIMEOUT ? UsageEvent.Outcome.TIMEOUT : UsageEvent.Outcome.ERROR, type);
            spans.streamEnded(stream, seen.providerModel, seen.tokens, type.wire());
        }
    }

    /** The one error event that ends a stream whose model failed after its first chunk. */
    String errorEvent(StreamOutcome.Started stream, List<Attempt> before, CallContext context, Throwable failure) {
        ErrorType type = errorType(failure);
        AttemptOutcome outcome = switch (failure) {
            case ProviderFault fault -> fault.outcome();
            case DeadlineReached deadline -> AttemptOutcome.TIMEOUT;
            default -> AttemptOutcome.UPSTREAM_ERROR;
        };
        long latency = (System.nanoTime() - stream.startedNanos()) / 1_000_000;
        List<Attempt> attempts = new ArrayList<>(before);
        attempts.add(new Attempt(stream.model().name(), outcome, latency, type, null));
        String detail = failure instanceof DeadlineReached
                ? "The request deadline passed while model " + stream.model().name() + " was still streaming its answer."
                        + INCOMPLETE
                : detail(type, stream.model().name());
        Problem problem = Problem.of(type, detail, Services.LLM_CASCADE, context.user(), context.requestId())
                .withAttempts(attempts);
        ObjectNode event = json.createObjectNode();
        event.putObject("error")
                .put("message", detail)
                .put("type", "server_error")
                .put("code", type.wire());
        event.set("problem", json.valueToTree(problem));
        return event(event);
    }

    /** A held attempt that failed after its first chunk, as the failed call it is (the caller saw none of it). */
    ModelOutcome.Failure midStreamFailure(StreamOutcome.Started stream, Throwable failure) {
        AttemptOutcome outcome = switch (failure) {
            case ProviderFault fault -> fault.outcome();
            case DeadlineReached deadline -> AttemptOutcome.TIMEOUT;
            default -> AttemptOutcome.UPSTREAM_ERROR;
        };
        return new ModelOutcome.Failure(stream.model(), errorType(failure), outcome, null, null, latencyMs(stream));
    }

    private static ErrorType errorType(Throwable failure) {
        return switch (failure) {
            case ProviderFault fault -> fault.errorType();
            case DeadlineReached deadline -> ErrorType.LLM_TIMEOUT;
            default -> ErrorType.LLM_UPSTREAM_ERROR;
        };
    }

    private static final String INCOMPLETE = " The text streamed so far is incomplete; retry the request for a whole answer.";

    private static String detail(ErrorType type, String model) {
        String incomplete = INCOMPLETE;
        return switch (type) {
            case LLM_TIMEOUT -> "Model " + model + " stopped sending its answer for longer than its idle limit." + incomplete;
            case LLM_INVALID_RESPONSE -> "Model " + model + "'s provider sent an unreadable part of its answer." + incomplete;
            default -> "Model " + model + "'s provider failed while streaming its answer." + incomplete;
        };
    }

    private static Usage tokens(JsonNode usage) {
        JsonNode prompt = usage.path("prompt_tokens");
        JsonNode completion = usage.path("completion_tokens");
        return prompt.isIntegralNumber() && completion.isIntegralNumber()
                ? new Usage(prompt.asInt(), completion.asInt())
                : null;
    }

    private static String event(JsonNode data) {
        return "data: " + data + "\n\n";
    }

    /** The caller's deadline passed while the stream was still running. */
    private static final class DeadlineReached extends RuntimeException {
        DeadlineReached() {
            super("request deadline reached mid-stream", null, false, false);
        }
    }
}
