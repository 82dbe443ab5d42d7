package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /v1/status} of every service, and the payload published on {@code verity:status}.
 * {@code since} is when the service entered {@code status}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServiceStatus(
        @JsonProperty("service") String service,
        @JsonProperty("status") ServiceState status,
        @JsonProperty("reason") String reason,
        @JsonProperty("since") Instant since,
        @JsonProperty("components") Map<String, ComponentStatus> components) {

    public ServiceStatus {
        components = components == null ? Map.of() : new TreeMap<>(components);
    }
}
