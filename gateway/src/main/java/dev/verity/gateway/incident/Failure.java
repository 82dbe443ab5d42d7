package dev.verity.gateway.incident;

import java.time.Instant;

/** One failed enterprise request, as an incident counts it. */
public record Failure(String orgId, String userId, String requestId, String service, String errorType, int status,
                      String detail, String accountManagerEmail, Instant at) {

    public IncidentKey key() {
        return new IncidentKey(orgId, service, errorType);
    }
}
