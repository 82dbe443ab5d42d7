package dev.verity.agent.client;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * The llm-cascade's status API. Answers come back as raw {@link Response}s so that problem bodies
 * are read, not turned into exceptions. Model turns stream, so they go through {@link CascadeHttp}.
 */
@RegisterRestClient(configKey = "llm-cascade")
@Path("/v1")
interface CascadeApi {

    @GET
    @Path("/status")
    @Produces(MediaType.APPLICATION_JSON)
    Uni<Response> status();
}
