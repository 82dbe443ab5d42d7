package dev.verity.gateway.incident;

/**
 * What makes failures one incident: the organisation, the failing service and the error type.
 * Its {@link #dedupKey()} is the webhook's {@code dedup_key}.
 */
public record IncidentKey(String orgId, String service, String errorType) {

    public String dedupKey() {
        return "verity/" + orgId + "/" + service + "/" + errorType;
    }
}
