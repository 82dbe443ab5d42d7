package dev.verity.data.usage;

import java.math.BigDecimal;
import java.time.Instant;

/** One validated row of {@code telemetry.llm_calls}. Null tokens or cost mean "not reported". */
public record UsageCall(
        String id,
        String orgId,
        String userId,
        String requestId,
        String model,
        String provider,
        Integer promptTokens,
        Integer completionTokens,
        BigDecimal costUsd,
        long latencyMs,
        String outcome,
        String errorType,
        boolean cacheHit,
        boolean degraded,
        Instant createdAt) {
}
