package dev.verity.cascade.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.cascade.client.ChatClient;
import dev.verity.cascade.client.ModelSpec;
import dev.verity.cascade.client.ProviderFault;
import dev.verity.cascade.client.ProviderReply;
import dev.verity.cascade.config.CascadeConfig;
import dev.verity.cascade.config.CascadePolicy;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Usage;
import dev.verity.contract.UsageEvent;
import io.quarkus.logging.Log;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.util.TypeLiteral;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

/**
 * Each configured model behind its own SmallRye Fault Tolerance guard: timeout, bounded retry with
 * jittered backoff for transient upstream errors only, circuit breaker, and a bulkhead at the
 * model's max concurrency. An open breaker or a full bulkhead answers in microseconds without a
 * network call. An upstream {@code Retry-After} is honoured: the model is skipped until it passes
 * ({@link ModelThrottles}). Every real network call appends one usage event ({@link AttemptUsage});
 * skips do not, as nothing was called. Failures become outcomes in {@link AttemptFailures}.
 *
 * <p>A streamed call is guarded up to its first chunk: timeout to the first chunk, retry, breaker
 * and bulkhead treat "the stream started" as the call's success and anything before it as its
 * failure. After the first chunk the stream is the caller's ({@link StreamRelay}); its usage event
 * is written when it ends.
 */
@ApplicationScoped
public class ModelGuards {

    private static final TypeLiteral<Uni<ProviderReply>> REPLY = new TypeLiteral<>() {
    };
    private static final TypeLiteral<Uni<FirstItem.Split<JsonNode>>> STREAM_START = new TypeLiteral<>() {
    };

    private final Map<String, ModelSpec> models = new LinkedHashMap<>();
    private final Map<String, Guard> guards = new ConcurrentHashMap<>();
    private final ModelThrottles throttles = new ModelThrottles();
    private final ChatClient client;
    private final UsageRecorder usage;
    private final CascadeMetrics metrics;
    private final AttemptFailures failures;

    public ModelGuards(CascadeConfig config, CascadePolicy policy, ChatClient client, UsageRecorder usage,
            CascadeMetrics metrics, Event<BreakerChanged> breakerChanged) {
        this.client = client;
        this.usage = usage;
        this.metrics = metrics;
        this.failures = new AttemptFailures(policy.breaker().delay());
        config.models().entrySet().stream()
                .map(e -> ModelSpec.of(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingInt(ModelSpec::tier).thenComparing(ModelSpec.BY_PRICE)
                        .thenComparing(ModelSpec::name))
                .forEach(spec -> {
                    models.put(spec.name(), spec);
                    client.prepare(spec);
                    guards.put(spec.name(), guard(spec, policy, breakerChanged));
                    metrics.breaker(spec.name(), () -> switch (breakerState(spec.name())) {
                        case CLOSED -> 0;
                        case HALF_OPEN -> 1;
                        case OPEN -> 2;
                    });
                });
    }

    /** Configured models, cheapest tier first, then by price. */
    public List<ModelSpec> models() {
        return List.copyOf(models.values());
    }

    public ModelSpec model(String name) {
        return models.get(name);
    }

    public CircuitBreakerState breakerState(String model) {
        return CircuitBreakerMaintenance.get().currentState(breakerName(model));
    }

    /** Whether a call to this model would be attempted now (breaker not open, not throttled). */
    public boolean usable(String model) {
        return breakerState(model) != CircuitBreakerState.OPEN && throttles.leftMs(model) <= 0;
    }

    /** Operator maintenance: close every breaker and forget upstream throttling. */
    public void reset() {
        models.keySet().forEach(name -> CircuitBreakerMaintenance.get().reset(breakerName(name)));
        throttles.clear();
    }

    /** Calls the model under its guard; never fails: every fault becomes a {@link ModelOutcome.Failure}. */
    public Uni<ModelOutcome> call(ModelSpec model, ObjectNode body, CallContext context, boolean degradedRoute) {
        long started = System.nanoTime();
        Optional<ModelOutcome.Failure> skipped = skippedBeforeCalling(model, context);
        if (skipped.isPresent()) {
            return Uni.createFrom().item(skipped.get());
        }
        // At least 1 ms: the deadline may pass between the check above and this line.
        long remaining = Math.max(1, context.remainingMs());
        Uni<ProviderReply> guarded = guards.get(model.name())
                .get(() -> observed(model, body, context, degradedRoute), REPLY);
        if (remaining != Long.MAX_VALUE) {
            guarded = guarded.ifNoItem().after(Duration.ofMillis(remaining))
                    .failWith(() -> new TimeoutException("request deadline reached"));
        }
        return guarded
                .<ModelOutcome>map(reply -> {
                    long latency = elapsedMs(started);
                    BigDecimal cost = Costs.of(model, reply.usage());
                    metrics.attempt(model.name(), AttemptOutcome.SUCCESS, latency);
                    metrics.cost(model.name(), cost);
                    return new ModelOutcome.Answer(model, reply, latency, cost);
                })
                .onFailure().recoverWithItem(e -> failure(model, e, elapsedMs(started), context));
    }

    /**
     * Starts a streamed call under the model's guard; never fails: a stream that does not reach its
     * first chunk becomes a {@link StreamOutcome.Failed}, exactly like a failed plain call.
     */
    public Uni<StreamOutcome> startStream(ModelSpec model, ObjectNode body, CallContext context, boolean degradedRoute) {
        long started = System.nanoTime();
        Optional<ModelOutcome.Failure> skipped = skippedBeforeCalling(model, context);
        if (skipped.isPresent()) {
            return Uni.createFrom().item(new StreamOutcome.Failed(skipped.get()));
        }
        // At least 1 ms: the deadline may pass between the check above and this line.
        long remaining = Math.max(1, context.remainingMs());
        Uni<FirstItem.Split<JsonNode>> guarded = guards.get(model.name())
                .get(() -> observedStart(model, body, context, degradedRoute), STREAM_START);
        if (remaining != Long.MAX_VALUE) {
            guarded = guarded.ifNoItem().after(Duration.ofMillis(remaining))
                    .failWith(() -> new TimeoutException("request deadline reached"));
        }
        return guarded
                .<StreamOutcome>map(split -> {
                    long latency = elapsedMs(started);
                    metrics.attempt(model.name(), AttemptOutcome.SUCCESS, latency);
                    metrics.stream(model.name(), CascadeMetrics.StreamStage.STARTED);
                    return new StreamOutcome.Started(model, split.first(), split.rest(), split.abandon(), started,
                            degradedRoute);
                })
                .onFailure().recoverWithItem(e -> new StreamOutcome.Failed(failure(model, e, elapsedMs(started), context)));
    }

    /** Records the usage event of a stream that had started, once it has ended. */
    public void streamEnded(StreamOutcome.Started stream, CallContext context, Usage tokens,
            UsageEvent.Outcome outcome, ErrorType errorType) {
        UsageEvent event = AttemptUsage.streamEnded(stream, context, tokens, elapsedMs(stream.startedNanos()), outcome,
                errorType);
        if (outcome == UsageEvent.Outcome.SUCCESS) {
            metrics.cost(stream.model().name(), event.costUsd());
        }
        usage.record(event);
    }

    /**
     * One real streamed call up to its first chunk. A start that fails (or is cancelled by the
     * guard's timeout) records its usage event here; a started one records it when it ends.
     */
    private Uni<FirstItem.Split<JsonNode>> observedStart(ModelSpec model, ObjectNode body, CallContext context,
            boolean degradedRoute) {
        long started = System.nanoTime();
        Multi<JsonNode> chunks = client.stream(model, body, context.requestId());
        return FirstItem.of(chunks)
                .ifNoItem().after(model.timeout()).failWith(() -> new TimeoutException("model timeout"))
                .onTermination().invoke((split, failure, cancelled) -> {
                    if (split == null) {
                        usage.record(AttemptUsage.failed(model, context, failure, cancelled, elapsedMs(started),
                                degradedRoute));
                    }
                });
    }

    /** One real network call, with its usage event whatever its end (item, failure, or cancelled by a timeout). */
    private Uni<ProviderReply> observed(ModelSpec model, ObjectNode body, CallContext context, boolean degradedRoute) {
        long started = System.nanoTime();
        // The same limit as the guard's timeout, inside it, so the call itself is cancelled and recorded as a timeout.
        return client.complete(model, body, context.requestId())
                .ifNoItem().after(model.timeout()).failWith(() -> new TimeoutException("model timeout"))
                .onTermination().invoke((reply, failure, cancelled) -> {
                    long latency = elapsedMs(started);
                    usage.record(reply != null
                            ? AttemptUsage.answered(model, context, reply, latency, degradedRoute)
                            : AttemptUsage.failed(model, context, failure, cancelled, latency, degradedRoute));
                });
    }

    private ModelOutcome.Failure failure(ModelSpec model, Throwable e, long latency, CallContext context) {
        ModelOutcome.Failure failure = failures.of(model, e, latency, context.requestId());
        if (e instanceof ProviderFault && failure.outcome() == AttemptOutcome.RATE_LIMITED
                && failure.retryAfterSeconds() != null) {
            throttles.throttle(model.name(), failure.retryAfterSeconds());
        }
        metrics.attempt(model.name(), failure.outcome(), latency);
        return failure;
    }

    /**
     * A model still throttled by its provider's Retry-After, or a request whose deadline has
     * passed, is not called at all; plain and streamed calls skip it alike.
     */
    private Optional<ModelOutcome.Failure> skippedBeforeCalling(ModelSpec model, CallContext context) {
        long throttle = throttles.leftMs(model.name());
        if (throttle > 0) {
            return Optional.of(skipped(model, ErrorType.LLM_RATE_LIMITED, AttemptOutcome.RATE_LIMITED,
                    ModelThrottles.retryAfterSeconds(throttle)));
        }
        if (context.remainingMs() <= 0) {
            return Optional.of(skipped(model, ErrorType.LLM_TIMEOUT, AttemptOutcome.TIMEOUT, null));
        }
        return Optional.empty();
    }

    private ModelOutcome.Failure skipped(ModelSpec model, ErrorType type, AttemptOutcome outcome, Integer retryAfter) {
        metrics.attempt(model.name(), outcome, 0);
        return new ModelOutcome.Failure(model, type, outcome, null, retryAfter, 0);
    }

    /** One guard per model, shared by plain and streamed calls, so both feed the same breaker and bulkhead. */
    private static Guard guard(ModelSpec model, CascadePolicy policy, Event<BreakerChanged> breakerChanged) {
        CascadePolicy.Retry retry = policy.retry();
        CascadePolicy.Breaker breaker = policy.breaker();
        long timeoutMs = Math.max(1, model.timeout().toMillis());
        long delayMs = retry.delay().toMillis();
        return Guard.create()
                .withDescription("model " + model.name())
                .withTimeout().duration(timeoutMs, ChronoUnit.MILLIS).done()
                .withRetry()
                    .maxRetries(Math.max(0, retry.maxRetries()))
                    .delay(delayMs, ChronoUnit.MILLIS)
                    .jitter(retry.jitter().toMillis(), ChronoUnit.MILLIS)
                    .maxDuration((timeoutMs + delayMs + retry.jitter().toMillis()) * (retry.maxRetries() + 1) + 1000,
                            ChronoUnit.MILLIS)
                    .whenException(e -> e instanceof ProviderFault fault && fault.retrySameModel())
                    .done()
                .withCircuitBreaker()
                    .name(breakerName(model.name()))
                    .requestVolumeThreshold(breaker.requestVolumeThreshold())
                    .failureRatio(breaker.failureRatio())
                    .delay(breaker.delay().toMillis(), ChronoUnit.MILLIS)
                    .successThreshold(breaker.successThreshold())
                    // A full bulkhead, or a provider refusing one particular request, says nothing about its health.
                    .when(e -> !(e instanceof BulkheadException)
                            && !(e instanceof ProviderFault fault && !fault.countsAgainstModel()))
                    .onStateChange(state -> {
                        Log.infof("circuit breaker of model %s is now %s", model.name(), state);
                        breakerChanged.fireAsync(new BreakerChanged(model.name(), wire(state)));
                    })
                    .done()
                .withBulkhead()
                    .limit(model.maxConcurrency())
                    .queueSize(model.maxConcurrency())
                    .done()
                .build();
    }

    public static String wire(CircuitBreakerState state) {
        return switch (state) {
            case CLOSED -> "closed";
            case OPEN -> "open";
            case HALF_OPEN -> "half_open";
        };
    }

    private static String breakerName(String model) {
        return "verity-model-" + model;
    }

    private static long elapsedMs(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
