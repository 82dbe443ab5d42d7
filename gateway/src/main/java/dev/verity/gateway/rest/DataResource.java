package dev.verity.gateway.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.gateway.client.DataAgentClient;
import dev.verity.gateway.routing.Reply;
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
import java.util.function.BiFunction;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Metrics, cost analysis and usage ingestion, forwarded to the data agent, which
 * owns the validation of these bodies; the gateway only insists on a JSON object.
 */
@Path("/api/v1")
@Authenticated
public class DataResource {

    private final JsonWebToken jwt;
    private final RequestContexts contexts;
    private final RequestPipeline pipeline;
    private final DataAgentClient data;

    public DataResource(JsonWebToken jwt, RequestContexts contexts, RequestPipeline pipeline, DataAgentClient data) {
        this.jwt = jwt;
        this.contexts = contexts;
        this.pipeline = pipeline;
        this.data = data;
    }

    @POST
    @Path("/metrics/query")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
    public Uni<Response> metrics(JsonNode body, @Context HttpHeaders headers) {
        return forward(Route.METRICS, body, headers, data::metrics);
    }

    @POST
    @Path("/cost-analysis")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
    public Uni<Response> costAnalysis(JsonNode body, @Context HttpHeaders headers) {
        return forward(Route.COST_ANALYSIS, body, headers, data::costAnalysis);
    }

    @POST
    @Path("/usage")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, "application/problem+json"})
    public Uni<Response> usage(JsonNode body, @Context HttpHeaders headers) {
        return forward(Route.USAGE, body, headers, data::usage);
    }

    private Uni<Response> forward(Route route, JsonNode body, HttpHeaders headers,
                                  BiFunction<RequestContext, Object, Uni<Reply>> call) {
        RequestContext ctx = contexts.of(jwt, headers);
        if (body == null || !body.isObject()) {
            throw new ProblemException(Problem.of(ErrorType.INVALID_REQUEST, "The request body must be a JSON object.",
                    Services.GATEWAY, ctx.user(), ctx.requestId()));
        }
        return pipeline.forward(route, ctx, c -> call.apply(c, body)).map(Replies::toResponse);
    }
}
