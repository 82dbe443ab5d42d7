package dev.verity.agent.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Every call to the data agent. The caller's token goes along, so the data agent scopes each query
 * to the caller's org itself; this service never names an org. No retry here: the data agent
 * already tries its replica and last-good cache before it answers with a problem.
 */
@ApplicationScoped
public class DataAgentClient {

    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(2);

    private final DataAgentApi api;
    private final Bodies bodies;

    DataAgentClient(@RestClient DataAgentApi api, Bodies bodies) {
        this.api = api;
        this.bodies = bodies;
    }

    public Uni<ToolOutcome> queryMetrics(JsonNode query, CallContext call, UserContext user) {
        return call(api.queryMetrics(call.authorization(), call.requestId(), call.deadlineEpochMillis(), query), call, user);
    }

    public Uni<ToolOutcome> costAnalysis(JsonNode query, CallContext call, UserContext user) {
        return call(api.costAnalysis(call.authorization(), call.requestId(), call.deadlineEpochMillis(), query), call, user);
    }

    public Uni<ComponentStatus> status() {
        return api.status()
                .ifNoItem().after(STATUS_TIMEOUT).fail()
                .onFailure(WebApplicationException.class).recoverWithItem(e -> ((WebApplicationException) e).getResponse())
                .map(bodies::component)
                .onFailure().recoverWithItem(e -> new ComponentStatus("unavailable", "not reachable"));
    }

    private Uni<ToolOutcome> call(Uni<Response> request, CallContext call, UserContext user) {
        Duration remaining = call.remaining();
        if (!remaining.isPositive()) {
            return Uni.createFrom().failure(new DeadlineExceeded(Services.DATA_AGENT));
        }
        return request
                .ifNoItem().after(remaining).failWith(() -> new DeadlineExceeded(Services.DATA_AGENT))
                // A non-2xx answer may still arrive as an exception carrying the response: read it the same way.
                .onFailure(WebApplicationException.class).recoverWithItem(e -> ((WebApplicationException) e).getResponse())
                .map(response -> read(response, call, user))
                .onFailure(e -> !(e instanceof DeadlineExceeded)).recoverWithItem(e -> {
                    Log.warnf("request %s: data agent not reachable: %s", call.requestId(), e.toString());
                    return failed(ErrorType.SERVICE_UNAVAILABLE, "The data agent could not be reached.", call, user);
                });
    }

    private ToolOutcome read(Response response, CallContext call, UserContext user) {
        Optional<JsonNode> body = bodies.tree(response);
        if (response.getStatus() / 100 != 2) {
            Optional<Problem> problem = body.flatMap(bodies::problem);
            if (problem.isPresent()) {
                return new ToolOutcome.Failed(problem.get());
            }
            Log.warnf("request %s: data agent answered HTTP %d without a problem body", call.requestId(), response.getStatus());
            return failed(ErrorType.SERVICE_UNAVAILABLE, "The data agent answered with an unexpected response.", call, user);
        }
        if (body.isEmpty() || !body.get().isObject()) {
            return failed(ErrorType.TOOL_FAILED, "The data agent returned an unreadable result.", call, user);
        }
        if (!body.get().path("source").isObject()) {
            // Data results carry their source; one without it cannot be vouched for.
            Log.errorf("request %s: data agent result without source refused", call.requestId());
            return failed(ErrorType.TOOL_FAILED, "The data agent returned a result without its source; it was not used.", call, user);
        }
        return new ToolOutcome.Succeeded(body.get());
    }

    private static ToolOutcome failed(ErrorType type, String detail, CallContext call, UserContext user) {
        return new ToolOutcome.Failed(Problem.of(type, detail, Services.EXECUTION_AGENT, user, call.requestId()));
    }
}
