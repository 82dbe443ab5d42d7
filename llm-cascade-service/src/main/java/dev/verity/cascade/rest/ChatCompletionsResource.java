package dev.verity.cascade.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.cascade.config.CascadeConfig;
import dev.verity.cascade.security.Callers;
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

@Path("/v1/chat/completions")
@Authenticated
public class ChatCompletionsResource {

    private final CascadeConfig config;
    private final JsonWebToken jwt;

    public ChatCompletionsResource(CascadeConfig config, JsonWebToken jwt) {
        this.config = config;
        this.jwt = jwt;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response complete(ObjectNode request, @Context HttpHeaders headers) {
        String detail = config.models().isEmpty()
                ? "No model is configured, so no answer can be produced."
                : "Model calls are not available in this build of the cascade.";
        return ProblemResponses.of(Problem.of(ErrorType.LLM_UNAVAILABLE, detail, Services.LLM_CASCADE,
                Callers.of(jwt), ProblemResponses.requestId(headers)));
    }
}
