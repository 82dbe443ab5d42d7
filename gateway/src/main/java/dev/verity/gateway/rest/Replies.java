package dev.verity.gateway.rest;

import dev.verity.gateway.routing.Reply;
import dev.verity.runtime.rest.ProblemResponses;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** HTTP form of a {@link Reply}: the service's own status and body, or the problem. */
final class Replies {

    private Replies() {
    }

    static Response toResponse(Reply reply) {
        return switch (reply) {
            case Reply.Success success -> Response.status(success.status()).type(MediaType.APPLICATION_JSON)
                    .entity(success.body()).build();
            case Reply.Failure failure -> ProblemResponses.of(failure.problem());
        };
    }
}
