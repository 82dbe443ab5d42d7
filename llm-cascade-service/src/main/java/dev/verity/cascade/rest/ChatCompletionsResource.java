package dev.verity.cascade.rest;

import dev.verity.cascade.api.ChatCompletionRequest;
import dev.verity.cascade.service.CallContext;
import dev.verity.cascade.service.Cascade;
import dev.verity.cascade.service.CascadeResult;
import dev.verity.cascade.service.ModelGuards;
import dev.verity.cascade.service.RequestValidator;
import dev.verity.cascade.service.StreamDecision;
import dev.verity.cascade.service.StreamResult;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import dev.verity.runtime.rest.EventStream;
import dev.verity.runtime.rest.ProblemResponses;
import dev.verity.runtime.rest.RequestDeadline;
import dev.verity.runtime.security.Callers;
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
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** OpenAI-compatible chat completions through the cascade. */
@Path("/v1/chat/completions")
@Authenticated
public class ChatCompletionsResource {

    private final Cascade cascade;
    private final ModelGuards models;
    private final JsonWebToken jwt;

    public ChatCompletionsResource(Cascade cascade, ModelGuards models, JsonWebToken jwt) {
        this.cascade = cascade;
        this.models = models;
        this.jwt = jwt;
    }

    /**
     * A plain completion (JSON), or with {@code "stream": true} Server-Sent Events whose status and
     * {@code x-verity-*} headers are sent with the first chunk, naming the model that really answers.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, EventStream.MEDIA_TYPE})
    public Uni<Response> complete(ChatCompletionRequest request, @Context HttpHeaders headers) {
        UserContext user = Callers.of(jwt);
        String requestId = ProblemResponses.requestId(headers);
        Optional<String> invalid = RequestValidator.problem(request,
                models.models().stream().map(m -> m.name()).toList());
        if (invalid.isPresent()) {
            return problem(ErrorType.INVALID_REQUEST, invalid.get(), user, requestId);
        }
        RequestDeadline requested = RequestDeadline.of(headers);
        if (requested instanceof RequestDeadline.Malformed) {
            return problem(ErrorType.INVALID_REQUEST,
                    "Header '" + Headers.REQUEST_DEADLINE + "' must be epoch milliseconds.", user, requestId);
        }
        Long deadline = requested instanceof RequestDeadline.At at ? at.instant().toEpochMilli() : null;
        CallContext context = new CallContext(user, requestId, deadline);
        Optional<StreamDecision> decision = StreamDecision.of(headers.getHeaderString(Headers.HOLD_STREAM),
                headers.getHeaderString(Headers.STREAM_ESCALATION));
        if (decision.isEmpty()) {
            return problem(ErrorType.INVALID_REQUEST, "Header '" + Headers.HOLD_STREAM + "' takes only the value '"
                    + Headers.HOLD_STREAM_SCORED + "' and header '" + Headers.STREAM_ESCALATION + "' only '"
                    + Headers.STREAM_ESCALATION_ANNOUNCE + "', and not both on one request.", user, requestId);
        }
        if (request.streamRequested()) {
            return cascade.stream(request, context, decision.get())
                    .map(result -> switch (result) {
                        case StreamResult.Streaming streaming -> Response.ok(new EventStream(streaming.events()))
                                .type(EventStream.MEDIA_TYPE)
                                .header("Cache-Control", "no-cache")
                                .header(Headers.VERITY_MODEL, streaming.model())
                                .header(Headers.VERITY_DEGRADED, String.valueOf(streaming.degraded()))
                                .header(Headers.VERITY_REQUEST_ID, requestId)
                                .build();
                        case StreamResult.Failed failed -> ProblemResponses.of(failed.problem());
                    });
        }
        return cascade.complete(request, context)
                .map(result -> switch (result) {
                    case CascadeResult.Completed done -> Response.ok(done.completion())
                            .type(MediaType.APPLICATION_JSON)
                            .header(Headers.VERITY_REQUEST_ID, requestId)
                            .header(Headers.VERITY_RECEIPT, done.completion().provenance().receipt()).build();
                    case CascadeResult.Failed failed -> ProblemResponses.of(failed.problem());
                });
    }

    private static Uni<Response> problem(ErrorType type, String detail, UserContext user, String requestId) {
        return Uni.createFrom().item(ProblemResponses.of(Problem.of(type, detail, Services.LLM_CASCADE, user, requestId)));
    }
}
