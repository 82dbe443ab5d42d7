package dev.verity.gateway.status;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import java.time.Instant;
import java.util.Map;

/**
 * {@code GET /api/v1/status}: every service as the gateway knows it, and an overall state that
 * is {@code ready} only when all are ready, {@code unavailable} only when no internal service
 * answers, and {@code degraded} in between.
 */
public record CombinedStatus(
        @JsonProperty("status") ServiceState status,
        @JsonProperty("checked_at") Instant checkedAt,
        @JsonProperty("status_updates") String statusUpdates,
        @JsonProperty("services") Map<String, ServiceStatus> services) {
}
