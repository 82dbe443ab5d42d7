package dev.verity.gateway.client;

import dev.verity.gateway.status.StatusSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.ErrorType;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import dev.verity.gateway.config.StatusConfig;
import dev.verity.gateway.routing.Reply;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.StreamReply;
import dev.verity.runtime.genai.GenAiMetrics;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** OpenAI-compatible chat completions on the LLM cascade. */
@ApplicationScoped
public class CascadeClient implements StatusSource {

    private final CascadeApi api;
    private final DownstreamReplies replies;
    private final StatusConfig status;
    private final CascadeStreams streams;
    private final GenAiMetrics genAi;
    private final ObjectMapper json;

    public CascadeClient(@RestClient CascadeApi api, DownstreamReplies replies, StatusConfig status, CascadeStreams streams,
            GenAiMetrics genAi, ObjectMapper json) {
        this.genAi = genAi;
        this.json = json;
        this.api = api;
        this.replies = replies;
        this.status = status;
        this.streams = streams;
    }

    public Uni<Reply> complete(RequestContext ctx, Object body) {
        long started = System.nanoTime();
        return replies.call(service(), ErrorType.LLM_TIMEOUT, ctx,
                () -> api.complete(ctx.authorization(), ctx.requestId(), ctx.deadlineEpochMillis(), body))
                .invoke(reply -> record(body, reply, Duration.ofNanos(System.nanoTime() - started)));
    }

    /**
     * The gateway's view of a completion in the GenAI client histograms: the cascade (provider
     * {@code verity}) asked for the caller's model, answered by the model it names.
     */
    private void record(Object body, Reply reply, Duration duration) {
        String requested = requestedModel(body);
        switch (reply) {
            case Reply.Success success -> {
                JsonNode usage = success.body().path("usage");
                genAi.record(PROVIDER, requested, success.body().path("model").asText(null),
                        usage.path("prompt_tokens").isInt() ? usage.path("prompt_tokens").asInt() : null,
                        usage.path("completion_tokens").isInt() ? usage.path("completion_tokens").asInt() : null,
                        duration, null);
            }
            case Reply.Failure failure -> genAi.record(PROVIDER, requested, null, null, null, duration,
                    failure.problem().errorType().wire());
        }
    }

    /**
     * The same completion with {@code "stream": true}: started stream or problem, decided before the
     * first chunk. {@code holdStream} is the caller's {@code x-verity-hold-stream} header, passed on
     * as sent (the cascade judges its value); null when the caller sent none. A started stream is
     * recorded in the GenAI histograms when it ends, with the usage of its last chunk.
     */
    public Uni<StreamReply> stream(RequestContext ctx, JsonNode body, String holdStream) {
        long started = System.nanoTime();
        String requested = requestedModel(body);
        return streams.open(ctx, body, holdStream).map(reply -> switch (reply) {
            case StreamReply.Started stream -> new StreamReply.Started(stream.head(),
                    new StreamTally(genAi, json, PROVIDER, requested, stream.head().model(), started).watch(stream.events()));
            case StreamReply.Failure failure -> {
                genAi.record(PROVIDER, requested, null, null, null, Duration.ofNanos(System.nanoTime() - started),
                        failure.problem().errorType().wire());
                yield failure;
            }
        });
    }

    private static String requestedModel(Object body) {
        return body instanceof JsonNode node && node.path("model").isTextual() ? node.path("model").asText() : null;
    }

    /** How the gateway names the cascade in GenAI metrics. */
    static final String PROVIDER = "verity";

    @Override
    public String service() {
        return Services.LLM_CASCADE;
    }

    @Override
    public Uni<ServiceStatus> status() {
        return replies.status(service(), status.pollTimeout(), api::status);
    }
}
