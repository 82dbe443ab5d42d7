package dev.verity.cascade.rest;

import dev.verity.cascade.api.ChatCompletionRequest;
import dev.verity.cascade.service.Cascade;
import dev.verity.cascade.service.CascadeResult;
import dev.verity.cascade.service.CompletionRequests;
import dev.verity.cascade.service.CompletionRequests.Admission;
import dev.verity.cascade.service.StreamResult;
import dev.verity.contract.Headers;
import dev.verity.runtime.rest.EventStream;
import dev.verity.runtime.rest.ProblemResponses;
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
import org.eclipse.microprofile.jwt.JsonWebToken;

/** OpenAI-compatible chat completions through the cascade. */
@Path("/v1/chat/completions")
@Authenticated
public class ChatCompletionsResource {

    private final Cascade cascade;
    private final CompletionRequests requests;
    private final JsonWebToken jwt;

    public ChatCompletionsResource(Cascade cascade, CompletionRequests requests, JsonWebToken jwt) {
        this.cascade = cascade;
        this.requests = requests;
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
        String requestId = ProblemResponses.requestId(headers);
        var callHeaders = new CompletionRequests.CallHeaders(headers.getHeaderString(Headers.REQUEST_DEADLINE),
                headers.getHeaderString(Headers.HOLD_STREAM), headers.getHeaderString(Headers.STREAM_ESCALATION));
        return switch (requests.admit(request, callHeaders, Callers.of(jwt), requestId)) {
            case Admission.Refused refused -> Uni.createFrom().item(ProblemResponses.of(refused.problem()));
            case Admission.Call call when call.request().streamRequested() -> stream(call);
            case Admission.Call call -> complete(call);
        };
    }

    private Uni<Response> stream(Admission.Call call) {
        return cascade.stream(call.request(), call.context(), call.decision())
                .map(result -> switch (result) {
                    case StreamResult.Streaming streaming -> Response.ok(new EventStream(streaming.events()))
                            .type(EventStream.MEDIA_TYPE)
                            .header("Cache-Control", "no-cache")
                            .header(Headers.VERITY_MODEL, streaming.model())
                            .header(Headers.VERITY_DEGRADED, String.valueOf(streaming.degraded()))
                            .header(Headers.VERITY_REQUEST_ID, call.context().requestId())
                            .build();
                    case StreamResult.Failed failed -> ProblemResponses.of(failed.problem());
                });
    }

    private Uni<Response> complete(Admission.Call call) {
        return cascade.complete(call.request(), call.context())
                .map(result -> switch (result) {
                    case CascadeResult.Completed done -> Response.ok(done.completion())
                            .type(MediaType.APPLICATION_JSON)
                            .header(Headers.VERITY_REQUEST_ID, call.context().requestId())
                            .header(Headers.VERITY_RECEIPT, done.completion().provenance().receipt()).build();
                    case CascadeResult.Failed failed -> ProblemResponses.of(failed.problem());
                });
    }
}
