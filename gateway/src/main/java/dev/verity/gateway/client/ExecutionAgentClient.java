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

/** Agent runs on the execution agent ({@code POST /v1/runs}). */
@ApplicationScoped
public class ExecutionAgentClient implements StatusSource {

    private final ExecutionAgentApi api;
    private final DownstreamReplies replies;
    private final StatusConfig status;

    public ExecutionAgentClient(@RestClient ExecutionAgentApi api, DownstreamReplies replies, StatusConfig status) {
        this.api = api;
        this.replies = replies;
        this.status = status;
    }

    public Uni<Reply> run(RequestContext ctx, Object body) {
        return replies.call(service(), ErrorType.AGENT_TIMEOUT, ctx,
                () -> api.run(ctx.authorization(), ctx.requestId(), ctx.deadlineEpochMillis(), body));
    }

    @Override
    public String service() {
        return Services.EXECUTION_AGENT;
    }

    @Override
    public Uni<ServiceStatus> status() {
        return replies.status(service(), status.pollTimeout(), api::status);
    }
}
