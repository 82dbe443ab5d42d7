package dev.verity.agent.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.Headers;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The data agent's HTTP API; {@link DataAgentClient} interprets the answers. */
@RegisterRestClient(configKey = "data-agent")
@Path("/v1")
interface DataAgentApi {

    @POST
    @Path("/metrics/query")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, Headers.PROBLEM_JSON})
    Uni<Response> queryMetrics(@HeaderParam("Authorization") String authorization,
                               @HeaderParam(Headers.REQUEST_ID) String requestId,
                               @HeaderParam(Headers.REQUEST_DEADLINE) long deadline,
                               JsonNode body);

    @POST
    @Path("/cost-analysis")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, Headers.PROBLEM_JSON})
    Uni<Response> costAnalysis(@HeaderParam("Authorization") String authorization,
                               @HeaderParam(Headers.REQUEST_ID) String requestId,
                               @HeaderParam(Headers.REQUEST_DEADLINE) long deadline,
                               JsonNode body);

    @GET
    @Path("/status")
    @Produces(MediaType.APPLICATION_JSON)
    Uni<Response> status();
}
