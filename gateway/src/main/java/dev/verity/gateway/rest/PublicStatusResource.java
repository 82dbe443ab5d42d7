package dev.verity.gateway.rest;

import dev.verity.gateway.status.CombinedStatus;
import dev.verity.gateway.status.StatusBoard;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * The public status of the whole system as JSON; {@link StatusPageResource} renders the same data. No token:
 * it holds no user data and must be readable when sign-in itself is the problem.
 */
@Path("/api/v1/status")
public class PublicStatusResource {

    private final StatusBoard board;

    public PublicStatusResource(StatusBoard board) {
        this.board = board;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public CombinedStatus json() {
        return board.combined();
    }
}
