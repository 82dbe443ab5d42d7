package dev.verity.gateway.client;

import dev.verity.gateway.status.StatusSource;

import dev.verity.contract.ErrorType;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import dev.verity.gateway.config.StatusConfig;
import dev.verity.gateway.routing.Reply;
import dev.verity.gateway.routing.RequestContext;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** Metrics, cost analysis and usage ingestion on the data agent. */
@ApplicationScoped
public class DataAgentClient implements StatusSource {

    private final DataAgentApi api;
    private final DownstreamReplies replies;
    private final StatusConfig status;

    public DataAgentClient(@RestClient DataAgentApi api, DownstreamReplies replies, StatusConfig status) {
        this.api = api;
        this.replies = replies;
        this.status = status;
    }

    public Uni<Reply> metrics(RequestContext ctx, Object body) {
        return replies.call(service(), ErrorType.DATA_QUERY_TIMEOUT, ctx,
                () -> api.metrics(ctx.authorization(), ctx.requestId(), ctx.deadlineEpochMillis(), body));
    }

    public Uni<Reply> costAnalysis(RequestContext ctx, Object body) {
        return replies.call(service(), ErrorType.DATA_QUERY_TIMEOUT, ctx,
                () -> api.costAnalysis(ctx.authorization(), ctx.requestId(), ctx.deadlineEpochMillis(), body));
    }

    public Uni<Reply> usage(RequestContext ctx, Object body) {
        return replies.call(service(), ErrorType.DATA_QUERY_TIMEOUT, ctx,
                () -> api.usage(ctx.authorization(), ctx.requestId(), ctx.deadlineEpochMillis(), body));
    }

    @Override
    public String service() {
        return Services.DATA_AGENT;
    }

    @Override
    public Uni<ServiceStatus> status() {
        return replies.status(service(), status.pollTimeout(), api::status);
    }
}
