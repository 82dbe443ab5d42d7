package dev.verity.gateway.tier;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/** An enterprise escalation as stored and as sent to the support webhook. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SupportTicket(
        @JsonProperty("ticket_id") String id,
        @JsonProperty("escalation_reference") String escalationReference,
        @JsonProperty("request_id") String requestId,
        @JsonProperty("user_id") String userId,
        @JsonProperty("org_id") String orgId,
        @JsonProperty("error_type") String errorType,
        @JsonProperty("status") int status,
        @JsonProperty("service") String service,
        @JsonProperty("detail") String detail,
        @JsonProperty("account_manager_email") String accountManagerEmail,
        @JsonProperty("created_at") Instant createdAt) {
}
