package dev.verity.runtime.rest;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * New requests during the shutdown drain get a problem, not a dropped connection (DESIGN §4).
 *
 * <p>On SIGTERM Quarkus turns readiness DOWN and fires {@link ShutdownDelayInitiatedEvent}; for
 * {@code quarkus.shutdown.delay} the pod keeps serving so Kubernetes can take it out of its
 * endpoints. Then the drain starts: requests in flight get up to {@code quarkus.shutdown.timeout}
 * to finish. Quarkus itself would still run a request arriving in the drain (only adding
 * {@code Connection: close}), and a long one would be cut off when the process ends; here it is
 * answered at once with {@code 503 service_unavailable}, retryable after a second (another instance
 * answers), and {@code Connection: close}. Probes and metrics ({@code /q/...}) keep their own answers:
 * readiness says DOWN with its checks.
 */
@ApplicationScoped
public class ShutdownDrain {

    private static final int RETRY_AFTER_SECONDS = 1;

    private final RouteProblems problems;
    private final String service;
    private final Duration delay;
    private volatile long drainsFromMillis = Long.MAX_VALUE;

    public ShutdownDrain(RouteProblems problems, @ConfigProperty(name = "verity.service.name") String service,
            @ConfigProperty(name = "quarkus.shutdown.delay") Optional<Duration> delay) {
        this.problems = problems;
        this.service = service;
        this.delay = delay.orElse(Duration.ZERO);
    }

    public void shutdownStarted(@Observes ShutdownDelayInitiatedEvent event) {
        drainsFromMillis = System.currentTimeMillis() + delay.toMillis();
        Log.infof("shutting down: serving for %d ms more, then refusing new requests while the drain lasts", delay.toMillis());
    }

    /** Whether the drain has begun: the shutdown delay is over and the process is finishing what it has. */
    public boolean draining() {
        return System.currentTimeMillis() >= drainsFromMillis;
    }

    public void refuseDuringDrain(@Observes Filters filters) {
        filters.register(ctx -> {
            if (draining() && !ctx.request().path().startsWith("/q/")) {
                refuse(ctx);
            } else {
                ctx.next();
            }
        }, 2000);
    }

    private void refuse(RoutingContext ctx) {
        String requestId = ctx.request().getHeader(Headers.REQUEST_ID);
        Problem problem = Problem.of(ErrorType.SERVICE_UNAVAILABLE,
                "This instance is shutting down and takes no new requests. Retry: another instance answers.",
                service, null, requestId == null || requestId.isBlank() ? UUID.randomUUID().toString() : requestId)
                .withRetryAfterSeconds(RETRY_AFTER_SECONDS);
        ctx.response().putHeader(Headers.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
        problems.end(ctx, problem);
    }
}
