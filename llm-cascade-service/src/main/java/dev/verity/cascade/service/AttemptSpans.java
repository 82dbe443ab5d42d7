package dev.verity.cascade.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.cascade.client.ModelSpec;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.Usage;
import dev.verity.runtime.genai.GenAi;
import dev.verity.runtime.genai.GenAiMetrics;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * One span per cascade attempt, named and attributed after the OpenTelemetry GenAI conventions
 * ({@code chat <model>}, {@code gen_ai.*}, {@code error.type}), child of the request's server span,
 * with {@code verity.attempt.outcome} saying how it ended (success, timeout, circuit_open, ...).
 * Every call feeds the GenAI client histograms: a plain one when it answers or fails, a streamed
 * one that fails before its first chunk then, and a started stream when it ends
 * ({@link #streamEnded}), so its duration is the whole answer's and its tokens are the usage of its
 * last chunk. Prompt and answer text stay out of spans unless {@code verity.tracing.capture-content} is on. With tracing off the tracer is a no-op and
 * this costs a few allocations per attempt.
 */
@ApplicationScoped
public class AttemptSpans {

    static final String OUTCOME = "verity.attempt.outcome";
    static final String TIER = "verity.model.tier";

    private final Tracer tracer;
    private final GenAiMetrics metrics;
    private final boolean captureContent;

    public AttemptSpans(Tracer tracer, GenAiMetrics metrics,
            @ConfigProperty(name = "verity.tracing.capture-content", defaultValue = "false") boolean captureContent) {
        this.tracer = tracer;
        this.metrics = metrics;
        this.captureContent = captureContent;
    }

    /** A plain call to one model: the span ends with its answer or its classified failure. */
    public Uni<ModelOutcome> call(ModelSpec model, ObjectNode body, Supplier<Uni<ModelOutcome>> call) {
        return Uni.createFrom().deferred(() -> {
            Span span = start(model, body);
            long started = System.nanoTime();
            return call.get()
                    .invoke(outcome -> {
                        switch (outcome) {
                            case ModelOutcome.Answer answer -> answered(span, model, answer);
                            case ModelOutcome.Failure failure -> failed(span, failure);
                        }
                        span.end();
                        record(model, outcome, Duration.ofNanos(System.nanoTime() - started));
                    })
                    .onCancellation().invoke(() -> cancelled(span));
        });
    }

    /** The start of a streamed call: the span covers the wait for the first chunk, or the failure before it. */
    public Uni<StreamOutcome> stream(ModelSpec model, ObjectNode body, Supplier<Uni<StreamOutcome>> start) {
        return Uni.createFrom().deferred(() -> {
            Span span = start(model, body);
            span.setAttribute("gen_ai.request.stream", true);
            long started = System.nanoTime();
            return start.get()
                    .invoke(outcome -> {
                        switch (outcome) {
                            case StreamOutcome.Started ignored -> span.setAttribute(OUTCOME, "stream_started");
                            case StreamOutcome.Failed failed -> {
                                failed(span, failed.failure());
                                record(model, failed.failure(), Duration.ofNanos(System.nanoTime() - started));
                            }
                        }
                        span.end();
                    })
                    .onCancellation().invoke(() -> cancelled(span));
        });
    }

    private Span start(ModelSpec model, ObjectNode body) {
        Span span = tracer.spanBuilder(GenAi.CHAT + " " + model.name())
                .setParent(Context.current())
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(GenAi.OPERATION_NAME, GenAi.CHAT)
                .setAttribute(GenAi.PROVIDER_NAME, ModelSpec.PROVIDER)
                .setAttribute(GenAi.REQUEST_MODEL, model.name())
                .setAttribute("verity.model.upstream", model.upstreamModel())
                .setAttribute(TIER, (long) model.tier())
                .startSpan();
        if (captureContent && span.isRecording() && body.has("messages")) {
            span.setAttribute(GenAi.INPUT_MESSAGES, body.get("messages").toString());
        }
        return span;
    }

    private void answered(Span span, ModelSpec model, ModelOutcome.Answer answer) {
        var reply = answer.reply();
        span.setAttribute(OUTCOME, AttemptOutcome.SUCCESS.wire());
        span.setAttribute(GenAi.RESPONSE_MODEL, reply.model() != null ? reply.model() : model.upstreamModel());
        span.setAttribute("gen_ai.response.id", reply.id());
        if (reply.finishReason() != null) {
            span.setAttribute("gen_ai.response.finish_reasons", reply.finishReason());
        }
        if (reply.usage() != null) {
            span.setAttribute(GenAi.INPUT_TOKENS, (long) reply.usage().promptTokens());
            span.setAttribute(GenAi.OUTPUT_TOKENS, (long) reply.usage().completionTokens());
        }
        if (captureContent && reply.content() != null) {
            span.setAttribute(GenAi.OUTPUT_MESSAGES, reply.content());
        }
    }

    private static void failed(Span span, ModelOutcome.Failure failure) {
        span.setAttribute(OUTCOME, failure.outcome().wire());
        span.setAttribute(GenAi.ERROR_TYPE, failure.errorType().wire());
        if (failure.upstreamStatus() != null) {
            span.setAttribute("http.response.status_code", (long) failure.upstreamStatus());
        }
        span.setStatus(StatusCode.ERROR, failure.errorType().wire());
    }

    private static void cancelled(Span span) {
        span.setAttribute(OUTCOME, "cancelled");
        span.setAttribute(GenAi.ERROR_TYPE, "cancelled");
        span.setStatus(StatusCode.ERROR, "cancelled");
        span.end();
    }

    private void record(ModelSpec model, ModelOutcome outcome, Duration duration) {
        switch (outcome) {
            case ModelOutcome.Answer answer -> {
                var reply = answer.reply();
                metrics.record(ModelSpec.PROVIDER, model.name(), reply.model() != null ? reply.model() : model.upstreamModel(),
                        reply.usage() == null ? null : reply.usage().promptTokens(),
                        reply.usage() == null ? null : reply.usage().completionTokens(), duration, null);
            }
            case ModelOutcome.Failure failure -> metrics.record(ModelSpec.PROVIDER, model.name(), null, null, null,
                    duration, failure.errorType().wire());
        }
    }

    /**
     * A started stream has ended: completed, failed after its first chunk ({@code errorType}), or
     * left by its caller ({@code cancelled}). {@code tokens} is the provider's last-chunk usage, null
     * when it sent none (the caller did not ask for {@code include_usage}, or the stream broke first).
     */
    public void streamEnded(StreamOutcome.Started stream, String providerModel, Usage tokens, String errorType) {
        ModelSpec model = stream.model();
        Duration duration = Duration.ofNanos(System.nanoTime() - stream.startedNanos());
        metrics.record(ModelSpec.PROVIDER, model.name(), providerModel != null ? providerModel : model.upstreamModel(),
                tokens == null ? null : tokens.promptTokens(), tokens == null ? null : tokens.completionTokens(),
                duration, errorType);
    }
}
