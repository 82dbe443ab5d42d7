package dev.verity.cascade.service;

import dev.verity.cascade.client.ModelSpec;
import dev.verity.cascade.client.ProviderFault;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import io.quarkus.logging.Log;
import java.time.Duration;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

/**
 * What a guarded model call's failure means for the caller: the §4 error type, the attempt's
 * outcome and the {@code Retry-After} to suggest. Provider faults arrive classified; the guard's
 * own refusals (open breaker, full bulkhead, timeout) are classified here.
 */
final class AttemptFailures {

    /** Our own concurrency limit, not the provider's state: a retry this soon may pass. */
    static final int BULKHEAD_RETRY_AFTER_SECONDS = 2;

    private final int breakerRetryAfterSeconds;

    /** @param breakerDelay how long an open breaker stays open, which is what its callers should wait */
    AttemptFailures(Duration breakerDelay) {
        this.breakerRetryAfterSeconds = (int) Math.max(1, breakerDelay.toSeconds());
    }

    ModelOutcome.Failure of(ModelSpec model, Throwable e, long latencyMs, String requestId) {
        if (e instanceof ProviderFault fault) {
            Log.warnf("model %s failed for request %s: %s (%s)", model.name(), requestId, fault.errorType().wire(),
                    fault.getMessage());
            return new ModelOutcome.Failure(model, fault.errorType(), fault.outcome(), fault.upstreamStatus(),
                    fault.retryAfterSeconds(), latencyMs);
        }
        if (e instanceof TimeoutException) {
            Log.warnf("model %s timed out for request %s after %d ms", model.name(), requestId, latencyMs);
            return new ModelOutcome.Failure(model, ErrorType.LLM_TIMEOUT, AttemptOutcome.TIMEOUT, null, null, latencyMs);
        }
        if (e instanceof CircuitBreakerOpenException) {
            return new ModelOutcome.Failure(model, ErrorType.LLM_UNAVAILABLE, AttemptOutcome.CIRCUIT_OPEN, null,
                    breakerRetryAfterSeconds, latencyMs);
        }
        if (e instanceof BulkheadException) {
            return new ModelOutcome.Failure(model, ErrorType.OVERLOADED, AttemptOutcome.BULKHEAD_FULL, null,
                    BULKHEAD_RETRY_AFTER_SECONDS, latencyMs);
        }
        Log.errorf(e, "model %s failed unexpectedly for request %s", model.name(), requestId);
        return new ModelOutcome.Failure(model, ErrorType.LLM_UPSTREAM_ERROR, AttemptOutcome.UPSTREAM_ERROR, null, null,
                latencyMs);
    }
}
