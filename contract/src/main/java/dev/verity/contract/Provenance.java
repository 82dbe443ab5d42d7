package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Where an AI answer came from. A success payload cannot be built without one, and
 * one cannot be built without a real model name and the provider's own response id.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Provenance(
        @JsonProperty("model") String model,
        @JsonProperty("provider") String provider,
        @JsonProperty("provider_request_id") String providerRequestId,
        @JsonProperty("produced_at") Instant producedAt,
        @JsonProperty("degraded") boolean degraded,
        @JsonProperty("quality_score") Double qualityScore,
        @JsonProperty("cache_hit") boolean cacheHit,
        @JsonProperty("selection_reasoning") String selectionReasoning,
        @JsonProperty("attempts") List<Attempt> attempts,
        @JsonProperty("usage") Usage usage,
        @JsonProperty("total_cost_usd") BigDecimal totalCostUsd,
        @JsonProperty("latency_ms") long latencyMs) {

    public Provenance {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(providerRequestId, "providerRequestId");
        Objects.requireNonNull(producedAt, "producedAt");
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /** The same answer served again from the cache: original provenance, {@code cache_hit: true}. */
    public Provenance asCacheHit() {
        return new Provenance(model, provider, providerRequestId, producedAt, degraded, qualityScore, true,
                selectionReasoning, attempts, usage, totalCostUsd, latencyMs);
    }

    public Provenance asDegraded(String reasoning) {
        return new Provenance(model, provider, providerRequestId, producedAt, true, qualityScore, cacheHit,
                reasoning, attempts, usage, totalCostUsd, latencyMs);
    }
}
