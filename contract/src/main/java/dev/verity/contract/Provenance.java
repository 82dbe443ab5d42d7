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
        @JsonProperty("latency_ms") long latencyMs,
        @JsonProperty("receipt") String receipt,
        @JsonProperty("receipt_mac") String receiptMac) {

    /** Provenance before it is signed: the signer adds {@link #withReceipt}. */
    public Provenance(String model, String provider, String providerRequestId, Instant producedAt, boolean degraded,
            Double qualityScore, boolean cacheHit, String selectionReasoning, List<Attempt> attempts, Usage usage,
            BigDecimal totalCostUsd, long latencyMs) {
        this(model, provider, providerRequestId, producedAt, degraded, qualityScore, cacheHit, selectionReasoning,
                attempts, usage, totalCostUsd, latencyMs, null, null);
    }

    public Provenance {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(providerRequestId, "providerRequestId");
        Objects.requireNonNull(producedAt, "producedAt");
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /**
     * The signed form: {@code receipt} is the compact JWS every client can verify
     * (docs/receipts.md); {@code receiptMac} the internal HMAC beside it that the gateway checks
     * instead of the signature and removes before the answer leaves.
     */
    public Provenance withReceipt(String signed, String mac) {
        return new Provenance(model, provider, providerRequestId, producedAt, degraded, qualityScore, cacheHit,
                selectionReasoning, attempts, usage, totalCostUsd, latencyMs, signed, mac);
    }

    /**
     * The same answer served again from the cache: original provenance, {@code cache_hit: true}.
     * The old receipt is kept only until the server signs the answer for this request.
     */
    public Provenance asCacheHit() {
        return new Provenance(model, provider, providerRequestId, producedAt, degraded, qualityScore, true,
                selectionReasoning, attempts, usage, totalCostUsd, latencyMs, receipt, receiptMac);
    }

    public Provenance asDegraded(String reasoning) {
        return new Provenance(model, provider, providerRequestId, producedAt, true, qualityScore, cacheHit,
                reasoning, attempts, usage, totalCostUsd, latencyMs);
    }
}
