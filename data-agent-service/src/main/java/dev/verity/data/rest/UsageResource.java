package dev.verity.data.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.data.config.DataConfig;
import dev.verity.data.usage.UsageBatch;
import dev.verity.data.usage.UsageIngestion;
import dev.verity.runtime.rest.ProblemResponses;
import io.quarkus.logging.Log;
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

/** {@code POST /v1/usage}: the caller's own call logs, stored under the caller's org. */
@Path("/v1/usage")
@Authenticated
public class UsageResource {

    private final JsonWebToken jwt;
    private final UsageIngestion ingestion;
    private final DataConfig config;

    public UsageResource(JsonWebToken jwt, UsageIngestion ingestion, DataConfig config) {
        this.jwt = jwt;
        this.ingestion = ingestion;
        this.config = config;
    }

    public record Stored(@JsonProperty("stored") int stored, @JsonProperty("already_stored") int alreadyStored) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> ingest(UsageBatch batch, @Context HttpHeaders headers) {
        RequestContext request = RequestContext.of(jwt, headers);
        if (batch == null || batch.calls() == null || batch.calls().isEmpty()) {
            return Uni.createFrom().item(request.problem(ErrorType.INVALID_REQUEST,
                    "Field 'calls' must list at least one call."));
        }
        if (batch.calls().size() > config.maxBatchSize()) {
            return Uni.createFrom().item(request.problem(ErrorType.INVALID_REQUEST,
                    "A batch holds at most " + config.maxBatchSize() + " calls; this one has " + batch.calls().size() + "."));
        }
        return ingestion.ingest(batch.calls(), request.caller())
                .map(outcome -> switch (outcome) {
                    case UsageIngestion.Stored stored -> Response.status(Response.Status.CREATED)
                            .entity(new Stored(stored.stored(), stored.alreadyStored())).build();
                    case UsageIngestion.Rejected rejected -> ProblemResponses.of(Problem.of(
                                    ErrorType.DATA_VALIDATION_FAILED,
                                    rejected.errors().size() + " field(s) in the batch are invalid; nothing was stored.",
                                    Services.DATA_AGENT, request.caller(), request.requestId())
                            .withErrors(rejected.errors()));
                })
                .onFailure().recoverWithItem(failure -> {
                    Log.warnf("request %s: usage batch not stored: %s", request.requestId(), failure.toString());
                    return request.problem(ErrorType.DATA_UNAVAILABLE,
                            "The usage database cannot be reached; nothing was stored. Retrying is safe: call ids are idempotent.");
                });
    }
}
