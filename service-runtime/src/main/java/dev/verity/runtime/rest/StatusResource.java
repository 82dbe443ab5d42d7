package dev.verity.runtime.rest;

import dev.verity.contract.ServiceStatus;
import dev.verity.runtime.status.StatusReporter;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Capability status (DESIGN §9). Like the probes it needs no token: it holds no user data and
 * the gateway polls it without a user at hand.
 */
@Path("/v1/status")
public class StatusResource {

    private final StatusReporter reporter;

    public StatusResource(StatusReporter reporter) {
        this.reporter = reporter;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<ServiceStatus> status() {
        return reporter.refresh();
    }
}
