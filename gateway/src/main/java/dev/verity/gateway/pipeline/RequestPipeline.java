package dev.verity.gateway.pipeline;

import dev.verity.gateway.routing.Reply;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.Route;
import dev.verity.gateway.routing.StreamEvent;
import dev.verity.gateway.routing.StreamReply;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.gateway.admission.AdmissionControl;
import dev.verity.gateway.guard.AuthenticityGuard;
import dev.verity.gateway.ratelimit.RateLimiter;
import dev.verity.gateway.tier.TierHandler;
import dev.verity.runtime.rest.ProblemException;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Function;

/**
 * Every forwarded request takes the same path: rate limit, readiness of the services it needs,
 * admission, the call, the authenticity guard; any problem on the way gets its tier handling, and a
 * success tells the tier handler (it resolves the caller's organisation's incidents).
 */
@ApplicationScoped
public class RequestPipeline {

    private final RateLimiter rateLimiter;
    private final Readiness readiness;
    private final AdmissionControl admission;
    private final AuthenticityGuard guard;
    private final TierHandler tierHandler;

    public RequestPipeline(RateLimiter rateLimiter, Readiness readiness, AdmissionControl admission, AuthenticityGuard guard,
                           TierHandler tierHandler) {
        this.rateLimiter = rateLimiter;
        this.readiness = readiness;
        this.admission = admission;
        this.guard = guard;
        this.tierHandler = tierHandler;
    }

    public Uni<Reply> forward(Route route, RequestContext ctx, Function<RequestContext, Uni<Reply>> call) {
        return rateLimiter.check(ctx)
                .chain(() -> readiness.await(route, ctx))
                .chain(() -> admission.admit(route, ctx, () -> call.apply(ctx)))
                .map(reply -> guard.inspect(route, ctx, reply))
                .onFailure(ProblemException.class).recoverWithItem(e -> new Reply.Failure(((ProblemException) e).problem()))
                .onFailure().recoverWithItem(e -> new Reply.Failure(unexpected(route, ctx, e)))
                .chain(reply -> switch (reply) {
                    case Reply.Success success -> {
                        tierHandler.succeeded(route, ctx.user());
                        yield Uni.createFrom().item(reply);
                    }
                    case Reply.Failure failure -> tierHandler.attach(failure.problem(), route, ctx).map(Reply.Failure::new);
                });
    }

    /**
     * The same path for a streamed answer. Everything up to the first chunk is decided here, and a
     * problem on the way is an ordinary problem response; once the stream has started, the guard
     * watches it and a failure ends it with one {@link StreamEvent.Stopped} carrying the problem
     * with its tier handling.
     */
    public Uni<StreamReply> forwardStream(Route route, RequestContext ctx, Function<RequestContext, Uni<StreamReply>> call) {
        return rateLimiter.check(ctx)
                .chain(() -> readiness.await(route, ctx))
                // A stream slot, held until the stream ends, not only until it starts.
                .chain(() -> admission.admitStream(route, ctx, release -> call.apply(ctx).map(reply -> switch (reply) {
                    case StreamReply.Started started -> new StreamReply.Started(started.head(),
                            stopOnFailure(route, ctx, guard.watch(route, ctx, started.events())
                                    // Only a stream that ended well reaches here: a failure is recovered below.
                                    .onCompletion().invoke(() -> tierHandler.succeeded(route, ctx.user())))
                                    .onTermination().invoke(release));
                    case StreamReply.Failure failure -> {
                        release.run();
                        yield failure;
                    }
                })))
                .onFailure(ProblemException.class).recoverWithItem(e -> new StreamReply.Failure(((ProblemException) e).problem()))
                .onFailure().recoverWithItem(e -> new StreamReply.Failure(unexpected(route, ctx, e)))
                .chain(reply -> switch (reply) {
                    case StreamReply.Started started -> Uni.createFrom().item(reply);
                    case StreamReply.Failure failure -> tierHandler.attach(failure.problem(), route, ctx).map(StreamReply.Failure::new);
                });
    }

    private Multi<StreamEvent> stopOnFailure(Route route, RequestContext ctx, Multi<StreamEvent> events) {
        return events.onFailure().recoverWithMulti(e -> {
            Problem problem = e instanceof ProblemException known ? known.problem() : unexpected(route, ctx, e);
            return Multi.createFrom().uni(tierHandler.attach(problem, route, ctx).map(StreamEvent.Stopped::new));
        });
    }

    private static Problem unexpected(Route route, RequestContext ctx, Throwable e) {
        Log.errorf(e, "request %s on %s failed unexpectedly", ctx.requestId(), route.configName());
        return Problem.of(ErrorType.INTERNAL_ERROR,
                "The gateway failed unexpectedly. The failure is logged under this request id.",
                Services.GATEWAY, ctx.user(), ctx.requestId());
    }
}
