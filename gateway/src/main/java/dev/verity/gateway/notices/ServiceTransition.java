package dev.verity.gateway.notices;

import dev.verity.contract.ServiceStatus;

/**
 * CDI event fired by the gateway's status tracker whenever a service's capability state changes.
 * {@code previous} is null for the first status the gateway learns of a service.
 * Observed by {@link StatusEvents}, which turns it into {@code service_*} events.
 */
public record ServiceTransition(String service, ServiceStatus previous, ServiceStatus current) {
}
