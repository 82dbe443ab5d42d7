package dev.verity.cascade.service;

import dev.verity.cascade.client.ModelSpec;
import dev.verity.cascade.client.ProviderFault;
import dev.verity.cascade.client.ProviderReply;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Usage;
import dev.verity.contract.UsageEvent;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

/**
 * The usage event of one real network call to a model, whatever its end: an answer, a classified
 * provider fault, a timeout (or the guard cancelling the call), anything else as an upstream error.
 * Skipped models get none, as nothing was called. Cost is known only from the provider's own
 * token counts; unknown stays null, never zero.
 */
final class AttemptUsage {

    private AttemptUsage() {
    }

    static UsageEvent answered(ModelSpec model, CallContext context, ProviderReply reply, long latencyMs,
            boolean degradedRoute) {
        Usage tokens = reply.usage();
        return event(model, context, tokens, Costs.of(model, tokens), latencyMs, UsageEvent.Outcome.SUCCESS, null,
                degradedRoute);
    }

    /** A call that ended without an answer; {@code cancelled} when the guard's timeout cut it. */
    static UsageEvent failed(ModelSpec model, CallContext context, Throwable failure, boolean cancelled, long latencyMs,
            boolean degradedRoute) {
        if (failure instanceof ProviderFault fault) {
            return event(model, context, null, null, latencyMs, UsageEvent.Outcome.ERROR, fault.errorType(),
                    degradedRoute);
        }
        if (cancelled || failure instanceof TimeoutException) {
            return event(model, context, null, null, latencyMs, UsageEvent.Outcome.TIMEOUT, ErrorType.LLM_TIMEOUT,
                    degradedRoute);
        }
        return event(model, context, null, null, latencyMs, UsageEvent.Outcome.ERROR, ErrorType.LLM_UPSTREAM_ERROR,
                degradedRoute);
    }

    /** A stream that had started, once it has ended; {@code tokens} as the provider reported them, if it did. */
    static UsageEvent streamEnded(StreamOutcome.Started stream, CallContext context, Usage tokens, long latencyMs,
            UsageEvent.Outcome outcome, ErrorType errorType) {
        return event(stream.model(), context, tokens, Costs.of(stream.model(), tokens), latencyMs, outcome, errorType,
                stream.degradedRoute());
    }

    private static UsageEvent event(ModelSpec model, CallContext context, Usage tokens, BigDecimal cost,
            long latencyMs, UsageEvent.Outcome outcome, ErrorType errorType, boolean degradedRoute) {
        return new UsageEvent(UUID.randomUUID().toString(), context.user().orgId(), context.user().userId(),
                context.requestId(), model.name(), ModelSpec.PROVIDER,
                tokens == null ? null : tokens.promptTokens(), tokens == null ? null : tokens.completionTokens(),
                cost, latencyMs, outcome, errorType, false, degradedRoute, Instant.now());
    }
}
