package dev.verity.gateway.rest;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.gateway.chat.ChatRequest;
import dev.verity.gateway.client.ExecutionAgentClient;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.RequestContexts;
import dev.verity.gateway.pipeline.RequestPipeline;
import dev.verity.gateway.routing.Route;
import dev.verity.runtime.rest.ProblemException;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** Agent runs: forwarded to the execution agent. */
@Path("/api/v1/chat")
@Authenticated
public class ChatResource {

    private final JsonWebToken jwt;
    private final RequestContexts contexts;
    private final RequestPipeline pipeline;
    private final ExecutionAgentClient agent;

    public ChatResource(JsonWebToken jwt, RequestContexts contexts, RequestPipeline pipeline, ExecutionAgentClient agent) {
        this.jwt = jwt;
        this.contexts = contexts;
        this.pipeline = pipeline;
        this.agent = agent;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
    public Uni<Response> chat(ChatRequest request, @Context HttpHeaders headers) {
        RequestContext ctx = contexts.of(jwt, headers);
        if (request == null) {
            throw invalid("A JSON body with field 'message' is required.", ctx);
        }
        request.invalidity().ifPresent(detail -> {
            throw invalid(detail, ctx);
        });
        if (request.streaming()) {
            throw invalid("Streaming runs are not offered by this gateway; send \"stream\": false.", ctx);
        }
        return pipeline.forward(Route.CHAT, ctx, c -> agent.run(c, request)).map(Replies::toResponse);
    }

    private static ProblemException invalid(String detail, RequestContext ctx) {
        return new ProblemException(Problem.of(ErrorType.INVALID_REQUEST, detail, Services.GATEWAY, ctx.user(), ctx.requestId()));
    }
}
