package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One call to one model, as it really went. {@code errorType} is set when the attempt failed;
 * {@code upstreamStatus} when the provider answered with an HTTP status.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Attempt(
        @JsonProperty("model") String model,
        @JsonProperty("outcome") AttemptOutcome outcome,
        @JsonProperty("latency_ms") long latencyMs,
        @JsonProperty("error_type") ErrorType errorType,
        @JsonProperty("upstream_status") Integer upstreamStatus) {

    public static Attempt succeeded(String model, long latencyMs) {
        return new Attempt(model, AttemptOutcome.SUCCESS, latencyMs, null, null);
    }
}
