package dev.verity.gateway.status;

import dev.verity.contract.ComponentStatus;

/**
 * How the live event relay is doing, as the gateway's own status reports it ({@code events}
 * component). Defined here and implemented by the relay in {@code events}, so status never
 * imports the socket layer above it.
 */
public interface RelayHealth {

    ComponentStatus component();
}
