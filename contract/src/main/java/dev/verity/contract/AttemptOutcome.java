package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonValue;

/** How one model attempt ended. */
public enum AttemptOutcome {
    SUCCESS("success"),
    /** A real answer that scored below the quality threshold, so the cascade escalated. */
    LOW_QUALITY("low_quality"),
    TIMEOUT("timeout"),
    RATE_LIMITED("rate_limited"),
    AUTH_FAILED("auth_failed"),
    MODEL_UNAVAILABLE("model_unavailable"),
    UPSTREAM_ERROR("upstream_error"),
    INVALID_RESPONSE("invalid_response"),
    /** Skipped in microseconds because the model's circuit breaker is open. */
    CIRCUIT_OPEN("circuit_open"),
    /** Skipped because the model's concurrency limit was reached. */
    BULKHEAD_FULL("bulkhead_full"),
    /** Skipped because the prompt does not fit the model's context window. */
    CONTEXT_TOO_SMALL("context_too_small");

    private final String wire;

    AttemptOutcome(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }
}
