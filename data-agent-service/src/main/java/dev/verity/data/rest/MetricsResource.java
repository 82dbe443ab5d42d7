package dev.verity.data.rest;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.data.metrics.MetricsQuery;
import dev.verity.data.security.Callers;
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

@Path("/v1/metrics/query")
@Authenticated
public class MetricsResource {

    private final JsonWebToken jwt;

    public MetricsResource(JsonWebToken jwt) {
        this.jwt = jwt;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response query(MetricsQuery query, @Context HttpHeaders headers) {
        // The metrics engine is not part of this build: say so instead of answering with anything.
        return ProblemResponses.of(Problem.of(ErrorType.DATA_UNAVAILABLE,
                "Metrics queries are not available in this build of the data agent.", Services.DATA_AGENT,
                Callers.of(jwt), ProblemResponses.requestId(headers)));
    }
}
