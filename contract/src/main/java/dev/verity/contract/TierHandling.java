package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What the gateway adds to every problem according to the caller's tier. Enterprise
 * fields and other-tier fields are mutually exclusive; the factories below enforce that.
 *
 * <p>For an enterprise failure {@code support_ticket_id} is the id of the support incident the
 * failure was counted in (one open incident per organisation, failing service and error type), and
 * {@code incident} says whether this request {@link #INCIDENT_OPENED opened} it or
 * {@link #INCIDENT_JOINED joined} one already open; both are absent when the incident could not be
 * recorded. {@code escalation_reference} is always this request's own {@code ENT-<request_id>}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TierHandling(
        @JsonProperty("tier") Tier tier,
        @JsonProperty("enterprise_escalation") boolean enterpriseEscalation,
        @JsonProperty("support_ticket_id") String supportTicketId,
        @JsonProperty("incident") String incident,
        @JsonProperty("escalation_reference") String escalationReference,
        @JsonProperty("priority_queue_position") Integer priorityQueuePosition,
        @JsonProperty("account_manager_email") String accountManagerEmail,
        @JsonProperty("support_contact") String supportContact,
        @JsonProperty("alternatives") List<String> alternatives,
        @JsonProperty("queue_position") Integer queuePosition,
        @JsonProperty("status_page_url") String statusPageUrl,
        @JsonProperty("next_steps") List<String> nextSteps) {

    /** This request opened the incident: support is being told now. */
    public static final String INCIDENT_OPENED = "opened";
    /** This request was counted in an incident that was already open: support already knows. */
    public static final String INCIDENT_JOINED = "joined";

    /**
     * @param ticketId the incident's id, or null when it could not be recorded
     * @param incident {@link #INCIDENT_OPENED}, {@link #INCIDENT_JOINED}, or null with a null ticket id
     */
    public static TierHandling enterprise(String ticketId, String incident, String requestId, int priorityQueuePosition,
                                          String accountManagerEmail, String supportContact, List<String> alternatives) {
        if ((ticketId == null) != (incident == null)
                || (incident != null && !INCIDENT_OPENED.equals(incident) && !INCIDENT_JOINED.equals(incident))) {
            throw new IllegalArgumentException("incident must be opened or joined, with a ticket id, or both absent");
        }
        return new TierHandling(Tier.ENTERPRISE, true, ticketId, incident, "ENT-" + requestId, priorityQueuePosition,
                accountManagerEmail, supportContact, List.copyOf(alternatives), null, null, null);
    }

    public static TierHandling standard(Tier tier, int queuePosition, String statusPageUrl, List<String> nextSteps) {
        return new TierHandling(tier, false, null, null, null, null, null, null, null,
                queuePosition, statusPageUrl, List.copyOf(nextSteps));
    }
}
