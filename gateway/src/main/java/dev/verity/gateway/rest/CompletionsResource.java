package dev.verity.gateway.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.gateway.client.CascadeClient;
import dev.verity.gateway.routing.Reply;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.RequestContexts;
import dev.verity.gateway.pipeline.RequestPipeline;
import dev.verity.gateway.routing.Route;
import dev.verity.gateway.routing.StreamReply;
import dev.verity.runtime.rest.ProblemException;
import dev.verity.runtime.rest.ProblemResponses;
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

/**
 * OpenAI-compatible chat completions, so existing SDK clients work unchanged: the body is the
 * cascade's OpenAI object (with its {@code provenance}), the provenance also in {@code x-verity-*}
 * headers. Failures are turned into OpenAI error bodies by {@link OpenAiErrors}. With
 * {@code "stream": true} the answer is the cascade's event stream, relayed with back-pressure.
 */
@Path("/v1/chat/completions")
@Authenticated
public class CompletionsResource {

    private final JsonWebToken jwt;
    private final RequestContexts contexts;
    private final RequestPipeline pipeline;
    private final CascadeClient cascade;
    private final CompletionEvents completionEvents;

    public CompletionsResource(JsonWebToken jwt, RequestContexts contexts, RequestPipeline pipeline, CascadeClient cascade,
            CompletionEvents completionEvents) {
        this.jwt = jwt;
        this.contexts = contexts;
        this.pipeline = pipeline;
        this.cascade = cascade;
        this.completionEvents = completionEvents;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    // SDKs ask for text/event-stream when they stream; the answer's type is set per response.
    @Produces({MediaType.APPLICATION_JSON, MediaType.SERVER_SENT_EVENTS})
    public Uni<Response> complete(JsonNode body, @Context HttpHeaders headers) {
        RequestContext ctx = contexts.of(jwt, headers);
        if (body == null || !body.isObject()) {
            throw invalid("The request body must be a JSON object.", ctx);
        }
        if (body.path("stream").asBoolean(false)) {
            return stream(body, ctx);
        }
        return pipeline.forward(Route.COMPLETIONS, ctx, c -> cascade.complete(c, body))
                .map(reply -> switch (reply) {
                    case Reply.Success success -> {
                        JsonNode provenance = success.body().path("provenance");
                        yield Response.status(success.status()).type(MediaType.APPLICATION_JSON)
                                .header(Headers.VERITY_MODEL, provenance.path("model").asText())
                                .header(Headers.VERITY_DEGRADED, provenance.path("degraded").asBoolean(false))
                                .header(Headers.VERITY_REQUEST_ID, ctx.requestId())
                                .entity(success.body())
                                .build();
                    }
                    case Reply.Failure failure -> ProblemResponses.of(failure.problem());
                });
    }

    /**
     * {@code "stream": true}: the cascade's events relayed as they come, its {@code x-verity-*}
     * headers passed on; a failure before the first chunk is an ordinary (OpenAI-shaped) error.
     */
    private Uni<Response> stream(JsonNode body, RequestContext ctx) {
        return pipeline.forwardStream(Route.COMPLETIONS, ctx, c -> cascade.stream(c, body))
                .map(reply -> switch (reply) {
                    case StreamReply.Started started -> Response.ok(completionEvents.of(started.events()))
                            .type(MediaType.SERVER_SENT_EVENTS_TYPE)
                            .header("Cache-Control", "no-cache")
                            .header(Headers.VERITY_MODEL, started.head().model())
                            .header(Headers.VERITY_DEGRADED, started.head().degraded())
                            .header(Headers.VERITY_REQUEST_ID, started.head().requestId())
                            .build();
                    case StreamReply.Failure failure -> ProblemResponses.of(failure.problem());
                });
    }

    private static ProblemException invalid(String detail, RequestContext ctx) {
        return new ProblemException(Problem.of(ErrorType.INVALID_REQUEST, detail, Services.GATEWAY, ctx.user(), ctx.requestId()));
    }
}
