package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What the gateway adds to every problem according to the caller's tier. Enterprise
 * fields and other-tier fields are mutually exclusive; the factories below enforce that.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TierHandling(
        @JsonProperty("tier") Tier tier,
        @JsonProperty("enterprise_escalation") boolean enterpriseEscalation,
        @JsonProperty("support_ticket_id") String supportTicketId,
        @JsonProperty("escalation_reference") String escalationReference,
        @JsonProperty("priority_queue_position") Integer priorityQueuePosition,
        @JsonProperty("account_manager_email") String accountManagerEmail,
        @JsonProperty("support_contact") String supportContact,
        @JsonProperty("alternatives") List<String> alternatives,
        @JsonProperty("queue_position") Integer queuePosition,
        @JsonProperty("status_page_url") String statusPageUrl,
        @JsonProperty("next_steps") List<String> nextSteps) {

    public static TierHandling enterprise(String ticketId, String requestId, int priorityQueuePosition,
                                          String accountManagerEmail, String supportContact, List<String> alternatives) {
        return new TierHandling(Tier.ENTERPRISE, true, ticketId, "ENT-" + requestId, priorityQueuePosition,
                accountManagerEmail, supportContact, List.copyOf(alternatives), null, null, null);
    }

    public static TierHandling standard(Tier tier, int queuePosition, String statusPageUrl, List<String> nextSteps) {
        return new TierHandling(tier, false, null, null, null, null, null, null,
                queuePosition, statusPageUrl, List.copyOf(nextSteps));
    }
}
