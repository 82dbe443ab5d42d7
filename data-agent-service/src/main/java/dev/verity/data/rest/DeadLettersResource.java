package dev.verity.data.rest;

import dev.verity.contract.ErrorType;
import dev.verity.data.usage.DeadLetterRedrive;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * {@code POST /v1/usage/dead-letters/redrive}: operators (role {@code operator} in the token's
 * {@code groups}) bring dead-lettered usage events back after a fix. Safe to repeat.
 */
@Path("/v1/usage/dead-letters/redrive")
@RolesAllowed(DeadLettersResource.OPERATOR)
public class DeadLettersResource {

    static final String OPERATOR = "operator";
    static final int MAX_LIMIT = 10_000;

    private final JsonWebToken jwt;
    private final DeadLetterRedrive redrive;

    public DeadLettersResource(JsonWebToken jwt, DeadLetterRedrive redrive) {
        this.jwt = jwt;
        this.redrive = redrive;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> redrive(@QueryParam("limit") String limit, @Context HttpHeaders headers) {
        RequestContext request = RequestContext.of(jwt, headers);
        int max;
        try {
            max = limit == null ? 1000 : Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            max = -1;
        }
        if (max < 1 || max > MAX_LIMIT) {
            return Uni.createFrom().item(request.problem(ErrorType.INVALID_REQUEST,
                    "Query parameter 'limit' must be a whole number from 1 to " + MAX_LIMIT + "."));
        }
        return redrive.redrive(max)
                .map(report -> Response.ok(report).build())
                .onFailure().recoverWithItem(failure -> {
                    Log.warnf("request %s: re-drive of dead letters failed: %s", request.requestId(), failure.toString());
                    return request.problem(ErrorType.DATA_UNAVAILABLE,
                            "The usage database or Redis cannot be reached; nothing was re-driven. Retrying is safe.");
                });
    }
}
