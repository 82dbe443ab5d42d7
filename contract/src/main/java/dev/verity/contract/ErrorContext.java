package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Who and what a problem concerns ({@code error_context}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorContext(
        @JsonProperty("user_id") String userId,
        @JsonProperty("request_id") String requestId,
        @JsonProperty("service_name") String serviceName,
        @JsonProperty("error_type") ErrorType errorType,
        @JsonProperty("user_tier") Tier userTier,
        @JsonProperty("requested_metrics") List<String> requestedMetrics) {

    public ErrorContext withRequestedMetrics(List<String> metrics) {
        return new ErrorContext(userId, requestId, serviceName, errorType, userTier, List.copyOf(metrics));
    }
}
