package dev.verity.cascade.client;

import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;

/**
 * A provider call that failed, already classified. The message is for logs only; it
 * may name upstream statuses but never reaches a user. No stack trace: the cause is the provider,
 * not this code.
 */
public final class ProviderFault extends RuntimeException {

    private final ErrorType errorType;
    private final AttemptOutcome outcome;
    private final Integer upstreamStatus;
    private final Integer retryAfterSeconds;
    private final boolean retrySameModel;

    public ProviderFault(ErrorType errorType, AttemptOutcome outcome, Integer upstreamStatus, Integer retryAfterSeconds,
            boolean retrySameModel, String logMessage) {
        super(logMessage, null, false, false);
        this.errorType = errorType;
        this.outcome = outcome;
        this.upstreamStatus = upstreamStatus;
        this.retryAfterSeconds = retryAfterSeconds;
        this.retrySameModel = retrySameModel;
    }

    public static ProviderFault invalidResponse(int status, String why) {
        return new ProviderFault(ErrorType.LLM_INVALID_RESPONSE, AttemptOutcome.INVALID_RESPONSE, status, null, false,
                "unusable response: " + why);
    }

    public static ProviderFault connection(String why) {
        return new ProviderFault(ErrorType.LLM_UPSTREAM_ERROR, AttemptOutcome.UPSTREAM_ERROR, null, null, true,
                "connection failed: " + why);
    }

    /** The connection broke, or the body ended, before the provider's {@code [DONE]}. */
    public static ProviderFault streamCut(String why) {
        return new ProviderFault(ErrorType.LLM_UPSTREAM_ERROR, AttemptOutcome.UPSTREAM_ERROR, null, null, false,
                "stream cut: " + why);
    }

    /** The provider sent {@code data: {"error": …}} inside a stream. */
    public static ProviderFault streamError(String upstreamError) {
        return new ProviderFault(ErrorType.LLM_UPSTREAM_ERROR, AttemptOutcome.UPSTREAM_ERROR, null, null, false,
                "error event in stream: " + upstreamError);
    }

    /** No chunk within the model's {@code stream-idle-timeout} after the stream had started. */
    public static ProviderFault streamIdle(long idleMs) {
        return new ProviderFault(ErrorType.LLM_TIMEOUT, AttemptOutcome.TIMEOUT, null, null, false,
                "no chunk for " + idleMs + " ms");
    }

    public ErrorType errorType() {
        return errorType;
    }

    public AttemptOutcome outcome() {
        return outcome;
    }

    public Integer upstreamStatus() {
        return upstreamStatus;
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /**
     * Whether this fault says something about the model's health. A 4xx other than auth, throttling
     * and not-found is the provider refusing this particular request (say, an oversized prompt or a
     * tool schema it rejects): one caller's bad request must not open the breaker for everyone.
     */
    public boolean countsAgainstModel() {
        if (upstreamStatus == null || upstreamStatus >= 500) {
            return true;
        }
        return switch (upstreamStatus) {
            case 401, 403, 404, 429 -> true;
            default -> upstreamStatus < 400;
        };
    }

    /** Transient faults (5xx, resets) that another try of the same model may cure. */
    public boolean retrySameModel() {
        return retrySameModel;
    }
}
