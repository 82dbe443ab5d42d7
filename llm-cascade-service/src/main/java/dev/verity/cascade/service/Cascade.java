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
import dev.verity.contract.Problem;
import dev.verity.contract.Provenance;
import dev.verity.contract.Services;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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

    public Cascade(ModelGuards guards, ResponseCache cache, StreamRelay relay, AnswerSigner signer, ObjectMapper json,
            CascadePolicy policy, AttemptSpans spans) {
        this.spans = spans;
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
     * the first chunk, open breaker) moves on to the next route exactly as a failed call does. What
     * cannot apply is quality escalation: a plain answer is scored whole before anyone sees it, but a
     * streamed one is relayed chunk by chunk, and once its first byte is out another model's answer
     * could only be spliced onto it. So a stream accepts the first model, in cascade order, that
     * starts streaming. Streams bypass the response cache (the validator refuses {@code cache}
     * with {@code stream}): the cache stores whole scored answers, a stream is neither.
     */
    public Uni<StreamResult> stream(ChatCompletionRequest request, CallContext context) {
        if (guards.models().isEmpty()) {
            return Uni.createFrom().item(new StreamResult.Failed(problem(ErrorType.LLM_UNAVAILABLE,
                    "No model is configured, so no answer can be produced.", context, List.of(), null)));
        }
        Walk walk = plan(request, context);
        if (walk.plan.isEmpty()) {
            return Uni.createFrom().item(new StreamResult.Failed(tooLong(walk)));
        }
        return streamStep(walk, 0);
    }

    private Uni<StreamResult> streamStep(Walk walk, int index) {
        if (index >= walk.plan.size() || walk.context.expired()) {
            return Uni.createFrom().item(new StreamResult.Failed(((CascadeResult.Failed) walk.finish()).problem()));
        }
        ModelSpec model = walk.plan.get(index);
        boolean degradedRoute = walk.preferredFailed || (walk.named != null && index > 0);
        ObjectNode body = upstreamBody(walk.request, model);
        return spans.stream(model, body, () -> guards.startStream(model, body, walk.context, degradedRoute))
                .chain(outcome -> switch (outcome) {
                    case StreamOutcome.Started started -> Uni.createFrom().<StreamResult>item(walk.streaming(started));
                    case StreamOutcome.Failed failed -> {
                        walk.failed(failed.failure());
                        yield streamStep(walk, index + 1);
                    }
                });
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
        BigDecimal knownCost = BigDecimal.ZERO;
        boolean costUnknown;

        Walk(ChatCompletionRequest request, CallContext context) {
            this.request = request;
            this.context = context;
        }

        void spent(ModelOutcome.Answer answer) {
            if (answer.costUsd() == null) {
                costUnknown = true;
            } else {
                knownCost = knownCost.add(answer.costUsd());
            }
        }

        void lowQuality(ModelOutcome.Answer answer, QualityScorer.Score score) {
            attempts.add(new Attempt(answer.model().name(), AttemptOutcome.LOW_QUALITY, answer.latencyMs(), null, null));
            notes.add(String.format(Locale.ROOT, "%s escalated: %s (quality %.2f < %.2f)", label(answer.model()),
                    score.signal(), score.value(), threshold));
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

        CascadeResult accept(ModelOutcome.Answer answer, QualityScorer.Score score, boolean belowThreshold) {
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
                reasoning.append(String.format(Locale.ROOT, "%s %s: %s (quality %.2f)", label(answer.model()),
                        preferredFailed ? "answered in place of the failed route" : "accepted", score.signal(),
                        score.value()));
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

        StreamResult streaming(StreamOutcome.Started stream) {
            ModelSpec model = stream.model();
            StringBuilder reasoning = new StringBuilder();
            notes.forEach(note -> reasoning.append(note).append("; "));
            reasoning.append(label(model)).append(preferredFailed ? " streamed in place of the failed route" : " streamed")
                    .append(": the first model in cascade order to start streaming is accepted (a streamed answer "
                            + "cannot be scored before it is relayed)");
            boolean degraded = preferredFailed || stream.degradedRoute();
            StreamRelay.Route route = new StreamRelay.Route(List.copyOf(attempts), reasoning.toString(), degraded, started);
            return new StreamResult.Streaming(model.name(), degraded, relay.events(stream, route, context,
                    request.includeUsage()));
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
