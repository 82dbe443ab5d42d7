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

/**
 * The llm-cascade's HTTP API. Answers come back as raw {@link Response}s so that problem bodies
 * are read, not turned into exceptions; {@link CascadeClient} owns their interpretation.
 */
@RegisterRestClient(configKey = "llm-cascade")
@Path("/v1")
interface CascadeApi {

    @POST
    @Path("/chat/completions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, Headers.PROBLEM_JSON})
    Uni<Response> complete(@HeaderParam("Authorization") String authorization,
                           @HeaderParam(Headers.REQUEST_ID) String requestId,
                           @HeaderParam(Headers.REQUEST_DEADLINE) long deadline,
                           JsonNode body);

    @GET
    @Path("/status")
    @Produces(MediaType.APPLICATION_JSON)
    Uni<Response> status();
}
