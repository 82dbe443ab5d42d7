package dev.verity.gateway.status;

import dev.verity.contract.ServiceStatus;
import io.smallrye.mutiny.Uni;

/** A service whose {@code GET /v1/status} the gateway polls. */
public interface StatusSource {

    String service();

    /** Its current report, or a failure when it gives none in time. */
    Uni<ServiceStatus> status();
}
