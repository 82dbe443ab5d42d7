package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One call to one model, as it really went. {@code errorType} is set when the attempt failed;
 * {@code upstreamStatus} when the provider answered with an HTTP status; {@code qualityScore} and
 * {@code reason} when a real answer was scored and passed over ({@code low_quality}), so a caller
 * sees why the cascade asked the next model.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Attempt(
        @JsonProperty("model") String model,
        @JsonProperty("outcome") AttemptOutcome outcome,
        @JsonProperty("latency_ms") long latencyMs,
        @JsonProperty("error_type") ErrorType errorType,
        @JsonProperty("upstream_status") Integer upstreamStatus,
        @JsonProperty("quality_score") Double qualityScore,
        @JsonProperty("reason") String reason) {

    /** An attempt that was not scored: a success before scoring existed for it, or a failure. */
    public Attempt(String model, AttemptOutcome outcome, long latencyMs, ErrorType errorType, Integer upstreamStatus) {
        this(model, outcome, latencyMs, errorType, upstreamStatus, null, null);
    }

    public static Attempt succeeded(String model, long latencyMs) {
        return new Attempt(model, AttemptOutcome.SUCCESS, latencyMs, null, null);
    }

    /** A real answer the cascade scored below its threshold and replaced with the next model's. */
    public static Attempt passedOver(String model, long latencyMs, double qualityScore, String reason) {
        return new Attempt(model, AttemptOutcome.LOW_QUALITY, latencyMs, null, null, qualityScore, reason);
    }
}
