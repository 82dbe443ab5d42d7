package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One provider attempt, success or failure, as the cascade appends it to the Redis stream
 * {@code verity:usage} and the data agent stores it in {@code llm_calls}.
 * The stream entry has a single field, {@link #STREAM_FIELD}, holding this record as JSON.
 * Token counts and cost are null when the provider did not report them: unknown, never estimated.
 * {@code cost_usd} is computed by {@link Money#callCost} (12 decimal places) and travels as a plain JSON number.
 * {@code traceparent} (W3C) is the trace of the request that made the call, so ingestion joins it;
 * absent when tracing is off.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageEvent(
        @JsonProperty("event_id") String eventId,
        @JsonProperty("org_id") String orgId,
        @JsonProperty("user_id") String userId,
        @JsonProperty("request_id") String requestId,
        @JsonProperty("model") String model,
        @JsonProperty("provider") String provider,
        @JsonProperty("prompt_tokens") Integer promptTokens,
        @JsonProperty("completion_tokens") Integer completionTokens,
        @JsonProperty("cost_usd") BigDecimal costUsd,
        @JsonProperty("latency_ms") long latencyMs,
        @JsonProperty("outcome") Outcome outcome,
        @JsonProperty("error_type") ErrorType errorType,
        @JsonProperty("cache_hit") boolean cacheHit,
        @JsonProperty("degraded") boolean degraded,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("traceparent") String traceparent) {

    public static final String STREAM = "verity:usage";
    public static final String CONSUMER_GROUP = "data-agent";
    public static final String STREAM_FIELD = "event";

    public UsageEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(orgId, "orgId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** An event outside any trace; {@link #withTraceparent} adds the caller's. */
    public UsageEvent(String eventId, String orgId, String userId, String requestId, String model, String provider,
            Integer promptTokens, Integer completionTokens, BigDecimal costUsd, long latencyMs, Outcome outcome,
            ErrorType errorType, boolean cacheHit, boolean degraded, Instant createdAt) {
        this(eventId, orgId, userId, requestId, model, provider, promptTokens, completionTokens, costUsd, latencyMs,
                outcome, errorType, cacheHit, degraded, createdAt, null);
    }

    public UsageEvent withTraceparent(String traceparent) {
        return new UsageEvent(eventId, orgId, userId, requestId, model, provider, promptTokens, completionTokens,
                costUsd, latencyMs, outcome, errorType, cacheHit, degraded, createdAt, traceparent);
    }

    /** The outcomes {@code llm_calls.outcome} accepts. */
    public enum Outcome {
        SUCCESS("success"), ERROR("error"), TIMEOUT("timeout");

        private final String wire;

        Outcome(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }
    }
}
