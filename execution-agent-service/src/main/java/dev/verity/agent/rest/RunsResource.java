package dev.verity.agent.rest;

import dev.verity.agent.run.RunRequest;
import dev.verity.agent.security.Callers;
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

@Path("/v1/runs")
@Authenticated
public class RunsResource {

    private final JsonWebToken jwt;

    public RunsResource(JsonWebToken jwt) {
        this.jwt = jwt;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response run(RunRequest request, @Context HttpHeaders headers) {
        // No run engine in this build: an honest, retryable refusal rather than any made-up answer.
        return ProblemResponses.of(Problem.of(ErrorType.SERVICE_UNAVAILABLE,
                "Agent runs are not available in this build of the execution agent.", Services.EXECUTION_AGENT,
                Callers.of(jwt), ProblemResponses.requestId(headers)));
    }
}
