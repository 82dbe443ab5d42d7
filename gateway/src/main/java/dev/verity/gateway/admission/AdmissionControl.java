package dev.verity.gateway.admission;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.Tier;
import dev.verity.gateway.config.RoutesConfig;
import dev.verity.gateway.notices.GatewayEvents;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.Route;
import dev.verity.runtime.rest.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Admission per route: at most {@code max-in-flight} requests are forwarded, up to
 * {@code max-queue} wait in tier order, and nobody waits past their deadline. Streamed answers
 * pass a gate of their own ({@code max-streams}, the same queue rules): a stream is open for
 * seconds and mostly idle, a request for milliseconds and busy, and one limit for both let 64 open
 * streams hold every ordinary request of the route in the queue.
 */
@ApplicationScoped
public class AdmissionControl {

    private final Map<Route, Gate> gates = new EnumMap<>(Route.class);
    private final Map<Route, Gate> streamGates = new EnumMap<>(Route.class);
    private final GatewayEvents events;

    public AdmissionControl(RoutesConfig config, GatewayEvents events) {
        this.events = events;
        for (Route route : Route.values()) {
            RoutesConfig.RouteConfig settings = config.routes().get(route.configName());
            if (settings == null) {
                throw new IllegalStateException("missing configuration verity.routes." + route.configName() + ".*");
            }
            gates.put(route, new Gate(route.configName(), settings.maxInFlight(), settings.maxQueue()));
            streamGates.put(route, new Gate(route.configName(), settings.maxStreams(), settings.maxQueue()));
        }
    }

    /** Runs {@code work} once the route has room for it, or fails with {@code overloaded}. */
    public <T> Uni<T> admit(Route route, RequestContext ctx, Supplier<Uni<T>> work) {
        return enter(gates.get(route), route, ctx, gate -> run(gate, work));
    }

    /**
     * Like {@link #admit}, for a stream, whose answer outlives its Uni: it takes a slot of the
     * route's stream gate, held until the work calls the release it is handed (once is enough, more
     * calls do nothing), or until its Uni fails or is cancelled.
     */
    public <T> Uni<T> admitStream(Route route, RequestContext ctx, Function<Runnable, Uni<T>> work) {
        return enter(streamGates.get(route), route, ctx, gate -> runHeld(gate, work));
    }

    /** Starts the work at once, after its wait in the queue, or fails with {@code overloaded}. */
    private <T> Uni<T> enter(Gate gate, Route route, RequestContext ctx, Function<Gate, Uni<T>> start) {
        return Uni.createFrom().deferred(() -> switch (gate.enter(ctx)) {
            case Gate.Admitted admitted -> start.apply(gate);
            case Gate.Full full -> Uni.createFrom().failure(overloaded(ctx,
                    "Too many requests are waiting for " + route.endpoint() + "; the queue is full."));
            case Gate.Queued queued -> {
                events.requestQueued(ctx, route.configName(), queued.position(), gate.queued());
                reportMoves(gate);
                yield waitFor(gate, route, queued.waiter()).chain(() -> start.apply(gate));
            }
        });
    }

    /** The position a new request (not a stream) of this tier would get on this route right now. */
    public int positionFor(Route route, Tier tier) {
        return gates.get(route).positionFor(tier);
    }

    /** Requests and streams waiting on this route. */
    public int queued(Route route) {
        return gates.get(route).queued() + streamGates.get(route).queued();
    }

    /** Requests forwarded and not answered yet (streams apart: {@link #streamsOpen}). */
    public int inFlight(Route route) {
        return gates.get(route).inFlight();
    }

    public int streamsOpen(Route route) {
        return streamGates.get(route).inFlight();
    }

    private Uni<Void> waitFor(Gate gate, Route route, Gate.Waiter waiter) {
        Duration left = waiter.ctx.remaining();
        return Uni.createFrom().completionStage(waiter.admitted)
                .ifNoItem().after(left.isZero() ? Duration.ofMillis(1) : left)
                .recoverWithUni(() -> gate.abandon(waiter)
                        ? Uni.createFrom().failure(overloaded(waiter.ctx,
                                "The request waited for " + route.endpoint() + " until its deadline."))
                        : Uni.createFrom().completionStage(waiter.admitted))
                .onCancellation().invoke(() -> {
                    // The caller went away: leave the queue, or hand on the slot it was given.
                    if (!gate.abandon(waiter)) {
                        admitNext(gate);
                    }
                    reportMoves(gate);
                });
    }

    private <T> Uni<T> run(Gate gate, Supplier<Uni<T>> work) {
        AtomicBoolean released = new AtomicBoolean();
        return Uni.createFrom().deferred(() -> work.get())
                .onTermination().invoke(() -> {
                    if (released.compareAndSet(false, true)) {
                        admitNext(gate);
                    }
                });
    }

    private <T> Uni<T> runHeld(Gate gate, Function<Runnable, Uni<T>> work) {
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                admitNext(gate);
            }
        };
        return Uni.createFrom().deferred(() -> work.apply(release))
                .onFailure().invoke(release)
                .onCancellation().invoke(release);
    }

    private void admitNext(Gate gate) {
        List<Gate.Waiter> admitted = gate.release();
        admitted.forEach(waiter -> waiter.admitted.complete(null));
        reportMoves(gate);
    }

    private void reportMoves(Gate gate) {
        for (Gate.Move move : gate.moves()) {
            events.requestQueued(move.waiter().ctx, gate.route(), move.position(), move.queueLength());
        }
    }

    private static ProblemException overloaded(RequestContext ctx, String detail) {
        return new ProblemException(Problem.of(ErrorType.OVERLOADED, detail, Services.GATEWAY, ctx.user(), ctx.requestId())
                .withRetryAfterSeconds(5));
    }
}
