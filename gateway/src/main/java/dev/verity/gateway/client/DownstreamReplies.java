package dev.verity.gateway.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import dev.verity.gateway.routing.Reply;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.status.ServiceDirectory;
import dev.verity.gateway.status.Timeouts;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The policy every downstream call shares: the call may take only what is left of the request's
 * deadline; a downstream problem is passed on as the service wrote it; a service that cannot be
 * reached becomes {@code service_unavailable} and is marked unavailable for the next requests.
 * Upstream text never reaches the user, it is logged with the request id.
 */
@ApplicationScoped
public class DownstreamReplies {

    private final ObjectMapper lenient;
    private final ServiceDirectory directory;

    public DownstreamReplies(ObjectMapper json, ServiceDirectory directory) {
        // Services may add fields to their problems over time; reading them must not fail on that.
        this.lenient = json.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        this.directory = directory;
    }

    public Uni<Reply> call(String service, ErrorType onTimeout, RequestContext ctx, Supplier<Uni<Response>> request) {
        Duration left = ctx.remaining();
        if (left.isZero()) {
            return Uni.createFrom().item(timeout(service, onTimeout, ctx));
        }
        return Uni.createFrom().deferred(() -> request.get())
                .ifNoItem().after(left).failWith(TimeoutException::new)
                .onFailure(WebApplicationException.class)
                .recoverWithItem(e -> ((WebApplicationException) e).getResponse())
                .map(response -> toReply(service, ctx, response))
                .onFailure(TimeoutException.class).recoverWithItem(e -> timeout(service, onTimeout, ctx))
                .onFailure().recoverWithItem(e -> unreachable(service, ctx, e));
    }

    /** A status report, or a failure when the service does not give a usable one. */
    public Uni<ServiceStatus> status(String service, Duration timeout, Supplier<Uni<Response>> request) {
        return Uni.createFrom().deferred(() -> request.get())
                .ifNoItem().after(timeout).failWith(TimeoutException::new)
                .onFailure(WebApplicationException.class)
                .recoverWithItem(e -> ((WebApplicationException) e).getResponse())
                .map(response -> {
                    try {
                        ServiceStatus reported = lenient.readValue(response.readEntity(String.class), ServiceStatus.class);
                        if (reported.status() == null) {
                            throw new IllegalStateException("status report without status");
                        }
                        return new ServiceStatus(service, reported.status(), reported.reason(), reported.since(),
                                reported.components());
                    } catch (Exception e) {
                        throw new IllegalStateException("unusable status report (HTTP " + response.getStatus() + ")", e);
                    }
                });
    }

    private Reply toReply(String service, RequestContext ctx, Response response) {
        directory.answered(service);
        int status = response.getStatus();
        String text = response.hasEntity() ? response.readEntity(String.class) : "";
        if (status >= 200 && status < 300) {
            try {
                JsonNode body = lenient.readTree(text);
                if (body instanceof ObjectNode object) {
                    return new Reply.Success(status, object);
                }
            } catch (Exception e) {
                // falls through to the problem below
            }
            return unusable(service, ctx, status);
        }
        return refusal(service, ctx, status, text);
    }

    /** A 2xx answer whose body is not what the route expects. */
    Reply.Failure unusable(String service, RequestContext ctx, int status) {
        Log.errorf("request %s: %s answered HTTP %d with a body that is not a JSON object", ctx.requestId(), service, status);
        return new Reply.Failure(Problem.of(ErrorType.SERVICE_UNAVAILABLE,
                "The " + service + " service answered with an unusable response.", Services.GATEWAY, ctx.user(), ctx.requestId()));
    }

    /** A failure status: the service's own problem, passed on as it wrote it. */
    Reply.Failure refusal(String service, RequestContext ctx, int status, String text) {
        try {
            Problem problem = lenient.readValue(text, Problem.class);
            Log.infof("request %s: %s answered %d %s", ctx.requestId(), service, status, problem.errorType().wire());
            return new Reply.Failure(problem);
        } catch (Exception e) {
            Log.errorf("request %s: %s answered HTTP %d without a problem body", ctx.requestId(), service, status);
            return new Reply.Failure(Problem.of(ErrorType.SERVICE_UNAVAILABLE,
                    "The " + service + " service failed without explaining why.", Services.GATEWAY, ctx.user(), ctx.requestId()));
        }
    }

    static Reply.Failure timeout(String service, ErrorType type, RequestContext ctx) {
        Log.warnf("request %s: %s did not answer before the deadline", ctx.requestId(), service);
        return new Reply.Failure(Problem.of(type,
                "The " + service + " service did not answer before the request deadline.", Services.GATEWAY, ctx.user(), ctx.requestId()));
    }

    Reply.Failure unreachable(String service, RequestContext ctx, Throwable e) {
        Log.warnf("request %s: %s unreachable: %s", ctx.requestId(), service, e.toString());
        // A connect that timed out on a busy machine is not a service that is gone: marking it so
        // refused every request until the next status check (the 503s P1 still had at 1,000/s).
        if (!Timeouts.isTimeout(e)) {
            directory.markUnreachable(service, "not answering requests");
        }
        return new Reply.Failure(Problem.of(ErrorType.SERVICE_UNAVAILABLE,
                "The " + service + " service could not be reached.", Services.GATEWAY, ctx.user(), ctx.requestId()));
    }
}
