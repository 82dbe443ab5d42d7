package dev.verity.gateway.rest;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.RequestContexts;
import dev.verity.gateway.incident.TicketAccess;
import dev.verity.runtime.rest.ProblemResponses;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * {@code GET /api/v1/tickets/{id}}: the support incident an enterprise failure was counted in (its
 * id is the problem's {@code tier_handling.support_ticket_id}), for the users of the organisation
 * it affected.
 */
@Path("/api/v1/tickets")
@Authenticated
public class TicketsResource {

    private final JsonWebToken jwt;
    private final RequestContexts contexts;
    private final TicketAccess access;

    public TicketsResource(JsonWebToken jwt, RequestContexts contexts, TicketAccess access) {
        this.jwt = jwt;
        this.contexts = contexts;
        this.access = access;
    }

    @GET
    @Path("/{id}")
    @Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
    public Uni<Response> ticket(@PathParam("id") String id, @Context HttpHeaders headers) {
        RequestContext ctx = contexts.of(jwt, headers);
        return access.lookup(id, ctx.user()).map(lookup -> switch (lookup) {
            case TicketAccess.Lookup.Affected affected -> Response.ok(affected.ticket(), MediaType.APPLICATION_JSON).build();
            case TicketAccess.Lookup.NotAffected notAffected -> ProblemResponses.of(Problem.of(ErrorType.FORBIDDEN,
                    "This support ticket is readable only by the users whose requests it counts.", Services.GATEWAY,
                    ctx.user(), ctx.requestId()));
            case TicketAccess.Lookup.Unknown unknown -> ProblemResponses.of(Problem.of(ErrorType.NOT_FOUND,
                    "No support ticket has this id.", Services.GATEWAY, ctx.user(), ctx.requestId()));
        });
    }
}
