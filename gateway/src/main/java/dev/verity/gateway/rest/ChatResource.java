package dev.verity.gateway.rest;

import dev.verity.gateway.chat.ChatRequest;
import dev.verity.gateway.security.Callers;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import io.quarkus.security.Authenticated;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;

@Path("/api/v1/chat")
@Authenticated
public class ChatResource {

    private final JsonWebToken jwt;

    public ChatResource(JsonWebToken jwt) {
        this.jwt = jwt;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response chat(ChatRequest request, @Context HttpHeaders headers) {
        // No routing to the execution agent in this build: an honest refusal, never a made-up answer.
        return ProblemResponses.of(Problem.of(ErrorType.SERVICE_UNAVAILABLE,
                "Agent runs are not available in this build of the gateway.", Services.GATEWAY,
                Callers.of(jwt), ProblemResponses.requestId(headers)));
    }
}
