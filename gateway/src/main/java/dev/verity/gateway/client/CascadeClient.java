package dev.verity.gateway.client;

import dev.verity.gateway.status.StatusSource;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.ErrorType;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import dev.verity.gateway.config.StatusConfig;
import dev.verity.gateway.routing.Reply;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.StreamReply;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** OpenAI-compatible chat completions on the LLM cascade. */
@ApplicationScoped
public class CascadeClient implements StatusSource {

    private final CascadeApi api;
    private final DownstreamReplies replies;
    private final StatusConfig status;
    private final CascadeStreams streams;

    public CascadeClient(@RestClient CascadeApi api, DownstreamReplies replies, StatusConfig status, CascadeStreams streams) {
        this.api = api;
        this.replies = replies;
        this.status = status;
        this.streams = streams;
    }

    public Uni<Reply> complete(RequestContext ctx, Object body) {
        return replies.call(service(), ErrorType.LLM_TIMEOUT, ctx,
                () -> api.complete(ctx.authorization(), ctx.requestId(), ctx.deadlineEpochMillis(), body));
    }

    /** The same completion with {@code "stream": true}: started stream or problem, decided before the first chunk. */
    public Uni<StreamReply> stream(RequestContext ctx, JsonNode body) {
        return streams.open(ctx, body);
    }

    @Override
    public String service() {
        return Services.LLM_CASCADE;
    }

    @Override
    public Uni<ServiceStatus> status() {
        return replies.status(service(), status.pollTimeout(), api::status);
    }
}
