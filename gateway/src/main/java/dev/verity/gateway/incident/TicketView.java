package dev.verity.gateway.incident;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/v1/tickets/{id}}: an incident as one of the users it affected sees it. The
 * counts are the incident's; {@code request_ids} are only the caller's own (the most recent ones,
 * {@code request_ids_total} counting all of them). {@code resolved_at} and {@code resolution} are
 * null while it is open.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record TicketView(
        @JsonProperty("id") String id,
        @JsonProperty("state") String state,
        @JsonProperty("service") String service,
        @JsonProperty("error_type") String errorType,
        @JsonProperty("occurrences") long occurrences,
        @JsonProperty("affected_users") int affectedUsers,
        @JsonProperty("first_seen") Instant firstSeen,
        @JsonProperty("last_seen") Instant lastSeen,
        @JsonProperty("resolved_at") Instant resolvedAt,
        @JsonProperty("resolution") String resolution,
        @JsonProperty("request_ids") List<String> requestIds,
        @JsonProperty("request_ids_total") long requestIdsTotal) {

    static TicketView of(Incident incident, IncidentStore.Share caller) {
        return new TicketView(incident.id(), incident.state().wire(), incident.key().service(), incident.key().errorType(),
                incident.occurrences(), incident.affectedUsers(), incident.firstSeen(), incident.lastSeen(),
                incident.resolvedAt(), incident.resolution() == null ? null : incident.resolution().wire(),
                caller.requestIds(), caller.occurrences());
    }
}
