package dev.verity.cascade.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.cascade.api.ChatCompletion;
import dev.verity.cascade.api.ChatCompletionRequest;
import dev.verity.cascade.client.ModelSpec;
import dev.verity.cascade.config.CascadePolicy;
import dev.verity.contract.Attempt;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.Provenance;
import dev.verity.contract.Services;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The model cascade. Plan: with {@code model: "auto"} every model whose context
 * window holds the prompt, cheapest tier first; with a named model that model first and, unless
 * {@code fallback: "deny"}, every other model after it. Walk: a real answer scoring at or above
 * the threshold is accepted; a lower score escalates to the next model; a failed call moves on
 * too. An answer is {@code degraded} when a preferred route failed before it, or when no answer
 * reached the threshold and the best real one is returned. With no answer at all the result is
 * the problem for the most telling failure, listing every attempt. Nothing here produces text.
 */
@ApplicationScoped
public class Cascade {

    /** Most telling first: what the user can act on (wait, retry) before what only operators can fix. */
    private static final List<ErrorType> TELLING = List.of(ErrorType.LLM_RATE_LIMITED, ErrorType.LLM_TIMEOUT,
            ErrorType.LLM_MODEL_UNAVAILABLE, ErrorType.OVERLOADED, ErrorType.LLM_UPSTREAM_ERROR, ErrorType.LLM_INVALID_RESPONSE,
            ErrorType.LLM_AUTH_FAILED, ErrorType.LLM_CONTEXT_LENGTH_EXCEEDED, ErrorType.LLM_UNAVAILABLE);

    private final ModelGuards guards;
    private final ResponseCache cache;
    private final StreamRelay relay;
    private final AnswerSigner signer;
    private final ObjectMapper json;
    private final double threshold;
    private final AttemptSpans spans;
    private final CascadeMetrics metrics;

    public Cascade(ModelGuards guards, ResponseCache cache, StreamRelay relay, AnswerSigner signer, ObjectMapper json,
            CascadePolicy policy, AttemptSpans spans, CascadeMetrics metrics) {
        this.spans = spans;
        this.metrics = metrics;
        this.guards = guards;
        this.cache = cache;
        this.relay = relay;
        this.signer = signer;
        this.json = json;
        this.threshold = policy.qualityThreshold();
    }

    public Uni<CascadeResult> complete(ChatCompletionRequest request, CallContext context) {
        if (guards.models().isEmpty()) {
            return failed(problem(ErrorType.LLM_UNAVAILABLE, "No model is configured, so no answer can be produced.",
                    context, List.of(), null));
        }
        if (!request.cacheRequested()) {
            return run(request, context);
        }
        return cache.find(context.user().orgId(), request).chain(hit -> hit
                .<Uni<CascadeResult>>map(completion -> Uni.createFrom().item(new CascadeResult.Completed(
                        signer.resign(completion, context.requestId(), completion.provenance().receipt()))))
                .orElseGet(() -> run(request, context).invoke(result -> {
                    if (result instanceof CascadeResult.Completed done && !done.completion().provenance().degraded()) {
                        cache.store(context.user().orgId(), request, done.completion());
                    }
                })));
    }

    /**
     * The cascade for {@code "stream": true}. The plan and the walk are the same as for a plain
     * request, and every failure before a model's first chunk (refusal, connection error, timeout to
     * the first chunk, open breaker) moves on to the next route exactly as a failed call does. Every
     * streamed answer is scored when it ends, by the same {@link QualityScorer} as a plain one; what
     * a low score can still change depends on {@code decision}: nothing once bytes are out
     * ({@link StreamDecision#LIVE}, the OpenAI rule), the next tier after an announcement
     * ({@link StreamDecision#ANNOUNCED}), or everything, because nothing was released before the
     * score ({@link StreamDecision#HELD}). Streams bypass the response cache (the validator refuses
     * {@code cache} with {@code stream}): the cache stores whole scored answers, a stream is neither.
     */
    public Uni<StreamResult> stream(ChatCompletionRequest request, CallContext context, StreamDecision decision) {
        if (guards.models().isEmpty()) {
            return Uni.createFrom().item(new StreamResult.Failed(problem(ErrorType.LLM_UNAVAILABLE,
                    "No model is configured, so no answer can be produced.", context, List.of(), null)));
        }
        Walk walk = plan(request, context);
        if (walk.plan.isEmpty()) {
            return Uni.createFrom().item(new StreamResult.Failed(tooLong(walk)));
        }
        if (decision == StreamDecision.HELD) {
            return heldStep(walk, 0);
        }
        return startFrom(walk, 0).map(next -> next
                .<StreamResult>map(started -> {
                    walk.countFallback(started.stream().model());
                    return new StreamResult.Streaming(started.stream().model().name(),
                            walk.preferredFailed || started.stream().degradedRoute(), live(walk, started, decision, 1));
                })
                .orElseGet(() -> new StreamResult.Failed(((CascadeResult.Failed) walk.finish()).problem())));
    }

    /** A model of the plan that has started streaming, and its place in the plan. */
    private record Started(StreamOutcome.Started stream, int index) {
    }

    /** The first model from {@code index} on that starts streaming; every one that does not is recorded as failed. */
    private Uni<Optional<Started>> startFrom(Walk walk, int index) {
        if (index >= walk.plan.size() || walk.context.expired()) {
            return Uni.createFrom().item(Optional.empty());
        }
        ModelSpec model = walk.plan.get(index);
        boolean degradedRoute = walk.preferredFailed || (walk.named != null && index > 0);
        ObjectNode body = upstreamBody(walk.request, model);
        return spans.stream(model, body, () -> guards.startStream(model, body, walk.context, degradedRoute))
                .chain(outcome -> switch (outcome) {
                    case StreamOutcome.Started started -> Uni.createFrom().item(Optional.of(new Started(started, index)));
                    case StreamOutcome.Failed failed -> {
                        walk.failed(failed.failure());
                        yield startFrom(walk, index + 1);
                    }
                });
    }

    /**
     * One attempt relayed as it streams; when it ends it is scored, and then either its last chunk
     * and {@code [DONE]} follow, or (announced escalation, a score below the threshold, another
     * model started) the superseded event and that model's attempt.
     */
    private Multi<String> live(Walk walk, Started started, StreamDecision decision, int attempt) {
        StreamedAnswer seen = new StreamedAnswer();
        List<Attempt> before = List.copyOf(walk.attempts);
        // The recovery below covers this attempt only: a later attempt recovers its own failures.
        return relay.chunks(started.stream(), walk.context, seen)
                .onCompletion().switchTo(() -> ended(walk, started, seen, decision, attempt))
                .onFailure().recoverWithItem(failure -> relay.errorEvent(started.stream(), before, walk.context, failure));
    }

    private Multi<String> ended(Walk walk, Started started, StreamedAnswer seen, StreamDecision decision, int attempt) {
        ModelSpec model = started.stream().model();
        long latency = StreamRelay.latencyMs(started.stream());
        QualityScorer.Score score = QualityScorer.score(seen.reply());
        walk.spent(Costs.of(model, seen.tokens));
        boolean escalate = decision == StreamDecision.ANNOUNCED && score.value() < threshold
                && started.index() + 1 < walk.plan.size() && !walk.context.expired();
        if (!escalate) {
            Verdict verdict = score.value() >= threshold ? Verdict.ACCEPTED
                    : decision == StreamDecision.LIVE ? Verdict.KEPT_LIVE : Verdict.LAST_STREAMED;
            if (verdict == Verdict.LAST_STREAMED) {
                // The last model of the plan (or the deadline reached): scored low, nothing left to ask.
                walk.scoredLow(model, latency, score);
            }
            Provenance provenance = walk.streamedProvenance(started.stream(), seen, score, latency, verdict);
            return Multi.createFrom().items(relay.last(model, seen, provenance, walk.context, walk.request.includeUsage()),
                    StreamRelay.DONE);
        }
        String reason = walk.passedOver(model, latency, score);
        return Multi.createFrom().uni(startFrom(walk, started.index() + 1))
                .onItem().transformToMultiAndConcatenate(next -> next
                        .map(following -> Multi.createBy().concatenating().streams(
                                Multi.createFrom().item(relay.superseded(attempt, model, score, reason,
                                        following.stream().model())),
                                live(walk, following, decision, attempt + 1)))
                        // No other model could start: the streamed answer stands, below the threshold.
                        .orElseGet(() -> Multi.createFrom().items(relay.last(model, seen, walk.streamedProvenance(
                                started.stream(), seen, score, latency, Verdict.LAST_STREAMED),
                                walk.context, walk.request.includeUsage()), StreamRelay.DONE)));
    }

    /**
     * Held streaming: each started attempt is read whole before anything is released, scored, and
     * either released with its last chunk or passed over for the next model, exactly as plain calls
     * are walked. A held attempt that fails mid-stream moves on too, since the caller saw none of it.
     */
    private Uni<StreamResult> heldStep(Walk walk, int index) {
        return startFrom(walk, index).chain(next -> {
            if (next.isEmpty()) {
                return Uni.createFrom().item(walk.releaseBestHeld());
            }
            Started started = next.get();
            StreamedAnswer seen = new StreamedAnswer();
            return relay.chunks(started.stream(), walk.context, seen).collect().asList()
                    .map(Optional::of)
                    .onFailure().recoverWithItem(failure -> {
                        walk.failed(relay.midStreamFailure(started.stream(), failure));
                        return Optional.empty();
                    })
                    .chain(events -> {
                        if (events.isEmpty()) {
                            return heldStep(walk, started.index() + 1);
                        }
                        ModelSpec model = started.stream().model();
                        long latency = StreamRelay.latencyMs(started.stream());
                        QualityScorer.Score score = QualityScorer.score(seen.reply());
                        walk.spent(Costs.of(model, seen.tokens));
                        Held held = new Held(started, seen, events.get(), score, latency);
                        if (score.value() >= threshold) {
                            return Uni.createFrom().item(walk.release(held, Verdict.ACCEPTED));
                        }
                        walk.passedOver(model, latency, score);
                        if (walk.bestHeld == null || score.value() > walk.bestHeld.score().value()) {
                            walk.bestHeld = held;
                        }
                        return heldStep(walk, started.index() + 1);
                    });
        });
    }

    /** A held attempt, read whole and scored, not yet released. */
    private record Held(Started started, StreamedAnswer seen, List<String> events, QualityScorer.Score score,
            long latencyMs) {
    }

    /** What the cascade decided about the streamed answer it ends with. */
    private enum Verdict {
        /** It reached the threshold. */
        ACCEPTED,
        /** Below the threshold, but its bytes had reached the caller under the OpenAI rule. */
        KEPT_LIVE,
        /** Below the threshold, and no later model could start (announced escalation). */
        LAST_STREAMED,
        /** Below the threshold, and no held answer reached it: the best held one. */
        BEST_HELD
    }

    private Uni<CascadeResult> run(ChatCompletionRequest request, CallContext context) {
        Walk walk = plan(request, context);
        if (walk.plan.isEmpty()) {
            return failed(tooLong(walk));
        }
        return step(walk, 0);
    }

    /** The models to try, in order; models whose context window is too small are recorded as skipped. */
    private Walk plan(ChatCompletionRequest request, CallContext context) {
        Walk walk = new Walk(request, context);
        int required = PromptSize.requiredWindow(request);
        String named = ChatCompletionRequest.AUTO.equals(request.modelOrAuto()) ? null : request.modelOrAuto();
        for (ModelSpec model : guards.models()) {
            boolean wanted = named == null || named.equals(model.name()) || request.fallbackAllowed();
            if (!wanted) {
                continue;
            }
            if (model.contextWindow() < required) {
                walk.attempts.add(new Attempt(model.name(), AttemptOutcome.CONTEXT_TOO_SMALL, 0,
                        ErrorType.LLM_CONTEXT_LENGTH_EXCEEDED, null));
                if (model.name().equals(named)) {
                    walk.preferredFailed = true;
                }
            } else if (model.name().equals(named)) {
                walk.plan.addFirst(model);
            } else {
                walk.plan.add(model);
            }
        }
        walk.named = named;
        walk.required = required;
        return walk;
    }

    private static Problem tooLong(Walk walk) {
        return problem(ErrorType.LLM_CONTEXT_LENGTH_EXCEEDED, String.format(Locale.ROOT,
                "The prompt (about %d tokens with the requested completion room) exceeds the context window of every "
                        + "eligible model.", walk.required), walk.context, walk.attempts, null);
    }

    private Uni<CascadeResult> step(Walk walk, int index) {
        if (index >= walk.plan.size() || walk.context.expired()) {
            return Uni.createFrom().item(walk.finish());
        }
        ModelSpec model = walk.plan.get(index);
        boolean degradedRoute = walk.preferredFailed || (walk.named != null && index > 0);
        ObjectNode body = upstreamBody(walk.request, model);
        return spans.call(model, body, () -> guards.call(model, body, walk.context, degradedRoute))
                .chain(outcome -> {
                    switch (outcome) {
                        case ModelOutcome.Answer answer -> {
                            QualityScorer.Score score = QualityScorer.score(answer.reply());
                            walk.spent(answer);
                            if (score.value() >= threshold) {
                                return Uni.createFrom().item(walk.accept(answer, score, false));
                            }
                            walk.lowQuality(answer, score);
                        }
                        case ModelOutcome.Failure failure -> walk.failed(failure);
                    }
                    return step(walk, index + 1);
                });
    }

    /**
     * The caller's request as the provider receives it: Verity's own options removed, the model's
     * upstream id set. {@code stream} and {@code stream_options} (with {@code include_usage}) pass
     * through on streamed requests, so the provider reports usage exactly when the caller asked.
     */
    private ObjectNode upstreamBody(ChatCompletionRequest request, ModelSpec model) {
        ObjectNode body = json.valueToTree(request);
        body.remove(List.of("fallback", "cache"));
        if (!request.streamRequested()) {
            body.remove(List.of("stream", "stream_options"));
        }
        body.put("model", model.upstreamModel());
        return body;
    }

    private static Uni<CascadeResult> failed(Problem problem) {
        return Uni.createFrom().item(new CascadeResult.Failed(problem));
    }

    private static Problem problem(ErrorType type, String detail, CallContext context, List<Attempt> attempts,
            Integer retryAfter) {
        Problem problem = Problem.of(type, detail, Services.LLM_CASCADE, context.user(), context.requestId())
                .withAttempts(attempts);
        return retryAfter == null ? problem : problem.withRetryAfterSeconds(retryAfter);
    }

    /** The state of one request's walk through its plan. */
    private final class Walk {
        final ChatCompletionRequest request;
        final CallContext context;
        final long started = System.nanoTime();
        final List<ModelSpec> plan = new ArrayList<>();
        final List<Attempt> attempts = new ArrayList<>();
        final List<ModelOutcome.Failure> failures = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        String named;
        int required;
        boolean preferredFailed;
        ModelOutcome.Answer best;
        QualityScorer.Score bestScore;
        Held bestHeld;
        BigDecimal knownCost = BigDecimal.ZERO;
        boolean costUnknown;

        Walk(ChatCompletionRequest request, CallContext context) {
            this.request = request;
            this.context = context;
        }

        void spent(ModelOutcome.Answer answer) {
            spent(answer.costUsd());
        }

        void spent(BigDecimal costUsd) {
            if (costUsd == null) {
                costUnknown = true;
            } else {
                knownCost = knownCost.add(costUsd);
            }
        }

        /** Records a real answer scored below the threshold; returns the reason, as said to the caller. */
        String passedOver(ModelSpec model, long latencyMs, QualityScorer.Score score) {
            String reason = String.format(Locale.ROOT, "%s (quality %.2f < %.2f)", score.signal(), score.value(),
                    threshold);
            attempts.add(Attempt.passedOver(model.name(), latencyMs, score.value(), reason));
            notes.add(label(model) + " escalated: " + reason);
            return reason;
        }

        /** Records a real answer scored below the threshold that no later model could replace. */
        void scoredLow(ModelSpec model, long latencyMs, QualityScorer.Score score) {
            attempts.add(Attempt.passedOver(model.name(), latencyMs, score.value(), String.format(Locale.ROOT,
                    "%s (quality %.2f < %.2f)", score.signal(), score.value(), threshold)));
        }

        /** The provenance of the streamed answer the stream ends with, stating the decision. */
        Provenance streamedProvenance(StreamOutcome.Started stream, StreamedAnswer seen, QualityScorer.Score score,
                long latencyMs, Verdict verdict) {
            ModelSpec model = stream.model();
            List<Attempt> all = new ArrayList<>(attempts);
            if (verdict == Verdict.ACCEPTED || verdict == Verdict.KEPT_LIVE) {
                all.add(Attempt.succeeded(model.name(), latencyMs));
            }
            StringBuilder reasoning = new StringBuilder();
            notes.forEach(note -> reasoning.append(note).append("; "));
            String scored = String.format(Locale.ROOT, "%s (quality %.2f)", score.signal(), score.value());
            switch (verdict) {
                case ACCEPTED -> reasoning.append(label(model))
                        .append(preferredFailed ? " streamed in place of the failed route" : " streamed")
                        .append(" and was accepted when scored at its end: ").append(scored);
                case KEPT_LIVE -> reasoning.append(label(model)).append(" streamed; scored at its end below ")
                        .append(String.format(Locale.ROOT, "%.2f", threshold)).append(": ").append(scored)
                        .append("; kept, because once a stream's bytes reach the caller no other model may continue it"
                                + " (send " + Headers.HOLD_STREAM + ": " + Headers.HOLD_STREAM_SCORED
                                + " for the cascade's decision)");
                case LAST_STREAMED -> reasoning.append(String.format(Locale.ROOT,
                        "no model reached quality %.2f and no further model could start: the answer is %s's, the last "
                                + "streamed (%s)", threshold, label(model), scored));
                case BEST_HELD -> reasoning.append(String.format(Locale.ROOT,
                        "no model reached quality %.2f: best real answer is %s's (%s)", threshold, label(model), scored));
            }
            // As for a plain answer: a quality escalation away from a named model is not a degraded
            // route; a failed preferred route, or an answer below the threshold, is.
            boolean degraded = verdict != Verdict.ACCEPTED || preferredFailed;
            return new Provenance(model.name(), ModelSpec.PROVIDER, seen.id, Instant.now(), degraded, score.value(),
                    false, reasoning.toString(), all, seen.tokens, costUnknown ? null : knownCost,
                    (System.nanoTime() - started) / 1_000_000);
        }

        /** A held attempt released: its chunks as relayed, then its last chunk and {@code [DONE]}. */
        StreamResult release(Held held, Verdict verdict) {
            StreamOutcome.Started stream = held.started().stream();
            countFallback(stream.model());
            Provenance provenance = streamedProvenance(stream, held.seen(), held.score(), held.latencyMs(), verdict);
            List<String> events = new ArrayList<>(held.events());
            events.add(relay.last(stream.model(), held.seen(), provenance, context, request.includeUsage()));
            events.add(StreamRelay.DONE);
            return new StreamResult.Streaming(stream.model().name(), provenance.degraded(),
                    Multi.createFrom().iterable(events));
        }

        StreamResult releaseBestHeld() {
            if (bestHeld != null) {
                return release(bestHeld, Verdict.BEST_HELD);
            }
            return new StreamResult.Failed(((CascadeResult.Failed) finish()).problem());
        }

        void lowQuality(ModelOutcome.Answer answer, QualityScorer.Score score) {
            passedOver(answer.model(), answer.latencyMs(), score);
            if (best == null || score.value() > bestScore.value()) {
                best = answer;
                bestScore = score;
            }
        }

        void failed(ModelOutcome.Failure failure) {
            attempts.add(failure.attempt());
            failures.add(failure);
            notes.add(label(failure.model()) + " failed: " + failure.errorType().wire()
                    + (failure.outcome() == AttemptOutcome.CIRCUIT_OPEN ? " (circuit open)" : ""));
            preferredFailed = true;
        }

        /** A route before this model failed, so this model answers in its place: one fallback. */
        void countFallback(ModelSpec model) {
            if (preferredFailed) {
                metrics.fallback(model.name());
            }
        }

        CascadeResult accept(ModelOutcome.Answer answer, QualityScorer.Score score, boolean belowThreshold) {
            countFallback(answer.model());
            boolean degraded = belowThreshold || preferredFailed;
            List<Attempt> all = new ArrayList<>(attempts);
            if (!belowThreshold) {
                all.add(Attempt.succeeded(answer.model().name(), answer.latencyMs()));
            }
            StringBuilder reasoning = new StringBuilder();
            notes.forEach(note -> reasoning.append(note).append("; "));
            if (belowThreshold) {
                reasoning.append(String.format(Locale.ROOT, "no model reached quality %.2f: best real answer is %s's (%s)",
                        threshold, label(answer.model()), score.signal()));
            } else {
                // Every accepted answer passes here: plain appends, as java.util.Formatter cost 1.4 % of
                // the cascade's CPU samples under load (bench/README.md).
                reasoning.append(label(answer.model())).append(' ')
                        .append(preferredFailed ? "answered in place of the failed route" : "accepted").append(": ")
                        .append(score.signal()).append(" (quality ").append(twoDecimals(score.value())).append(')');
            }
            var reply = answer.reply();
            Provenance provenance = new Provenance(answer.model().name(), ModelSpec.PROVIDER, reply.id(), Instant.now(),
                    degraded, score.value(), false, reasoning.toString(), all, reply.usage(),
                    costUnknown ? null : knownCost, (System.nanoTime() - started) / 1_000_000);
            long created = reply.created() != null ? reply.created() : Instant.now().getEpochSecond();
            return new CascadeResult.Completed(signer.sign(new ChatCompletion(reply.id(), ChatCompletion.OBJECT, created,
                    answer.model().name(), reply.choices(), reply.rawUsage(), reply.systemFingerprint(), provenance),
                    context.requestId(), answer.model().upstreamModel()));
        }

        CascadeResult finish() {
            if (best != null) {
                return accept(best, bestScore, true);
            }
            if (failures.isEmpty()) {
                // The deadline passed before any model could be asked.
                return new CascadeResult.Failed(problem(ErrorType.LLM_TIMEOUT,
                        "The request deadline passed before a model could answer.", context, attempts, null));
            }
            ModelOutcome.Failure telling = failures.stream()
                    .min((a, b) -> Integer.compare(TELLING.indexOf(a.errorType()), TELLING.indexOf(b.errorType())))
                    .orElseThrow();
            String tried = failures.stream().map(f -> f.model().name()).distinct().collect(Collectors.joining(", "));
            return new CascadeResult.Failed(problem(telling.errorType(), detail(telling.errorType()) + " Models tried: "
                    + tried + ".", context, attempts, telling.retryAfterSeconds()));
        }
    }

    /** What {@code %.2f} writes (half up, from the double's shortest decimal form), without a Formatter. */
    static String twoDecimals(double value) {
        return BigDecimal.valueOf(value).setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    private static String label(ModelSpec model) {
        return "tier " + model.tier() + " " + model.name();
    }

    private static String detail(ErrorType type) {
        return switch (type) {
            case LLM_TIMEOUT -> "No model answered within its time limit.";
            case LLM_RATE_LIMITED -> "The model providers are throttling requests; retry after the indicated time.";
            case LLM_AUTH_FAILED -> "The model provider rejected this service's credentials; operators have to fix them.";
            case LLM_MODEL_UNAVAILABLE -> "The model is not available at its provider right now.";
            case LLM_UPSTREAM_ERROR -> "The model provider failed while answering.";
            case LLM_INVALID_RESPONSE -> "The model provider returned a response that could not be used "
                    + "(unreadable, without choices, or empty).";
            case OVERLOADED -> "The model is answering as many requests as it is allowed to at once; retry shortly.";
            case LLM_CONTEXT_LENGTH_EXCEEDED -> "The prompt exceeds the model's context window.";
            default -> "Every configured model is currently unavailable.";
        };
    }
}
