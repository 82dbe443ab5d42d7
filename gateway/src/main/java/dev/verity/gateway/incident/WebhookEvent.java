package dev.verity.gateway.incident;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the support webhook receives, shaped like a PagerDuty Events v2 event: the same
 * {@code dedup_key} for every notice of one incident key, {@code event_action} {@code trigger} on
 * open and on each reminder, {@code resolve} once it resolved, and the counts in
 * {@code payload.custom_details} (docs/incidents.md).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WebhookEvent(
        @JsonProperty("dedup_key") String dedupKey,
        @JsonProperty("event_action") String eventAction,
        @JsonProperty("payload") Payload payload) {

    public record Payload(
            @JsonProperty("summary") String summary,
            @JsonProperty("source") String source,
            @JsonProperty("severity") String severity,
            @JsonProperty("timestamp") Instant timestamp,
            @JsonProperty("component") String component,
            @JsonProperty("group") String group,
            @JsonProperty("class") String errorClass,
            @JsonProperty("custom_details") Map<String, Object> customDetails) {
    }

    static WebhookEvent of(Incident incident, Notice notice) {
        IncidentKey key = incident.key();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("incident_id", incident.id());
        details.put("notice", notice.wire());
        details.put("state", incident.state().wire());
        details.put("org_id", key.orgId());
        details.put("service", key.service());
        details.put("error_type", key.errorType());
        details.put("status", incident.status());
        details.put("detail", incident.detail());
        details.put("occurrences", incident.occurrences());
        details.put("affected_users", incident.affectedUsers());
        details.put("first_seen", incident.firstSeen());
        details.put("last_seen", incident.lastSeen());
        details.put("resolved_at", incident.resolvedAt());
        details.put("resolution", incident.resolution() == null ? null : incident.resolution().wire());
        details.put("request_ids", incident.requestIds());
        details.put("request_ids_total", incident.occurrences());
        details.put("escalation_references", incident.requestIds().stream().map(id -> "ENT-" + id).toList());
        details.put("account_manager_email", incident.accountManagerEmail());
        Instant at = incident.resolvedAt() != null ? incident.resolvedAt() : incident.lastSeen();
        return new WebhookEvent(key.dedupKey(), notice.eventAction(), new Payload(summary(incident, notice), "verity-gateway",
                severity(incident), at, key.service(), key.orgId(), key.errorType(), details));
    }

    private static String summary(Incident incident, Notice notice) {
        IncidentKey key = incident.key();
        String counts = incident.occurrences() + " failed request" + (incident.occurrences() == 1 ? "" : "s") + " of "
                + incident.affectedUsers() + " user" + (incident.affectedUsers() == 1 ? "" : "s");
        return switch (notice) {
            case OPENED -> key.service() + " failing with " + key.errorType() + " for organisation " + key.orgId() + ": " + counts;
            case REMINDER -> "Still open: " + key.service() + " failing with " + key.errorType() + " for organisation "
                    + key.orgId() + ": " + counts + " since " + incident.firstSeen();
            case RESOLVED -> "Resolved (" + incident.resolution().wire() + "): " + key.service() + " " + key.errorType()
                    + " for organisation " + key.orgId() + " after " + counts;
        };
    }

    /** PagerDuty severities: a service that cannot answer at all is critical, any other failure an error. */
    private static String severity(Incident incident) {
        return incident.status() == 503 ? "critical" : "error";
    }
}
