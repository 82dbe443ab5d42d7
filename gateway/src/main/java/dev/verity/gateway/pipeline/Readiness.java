package dev.verity.gateway.pipeline;

import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.Route;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import dev.verity.gateway.config.RoutesConfig;
import dev.verity.gateway.notices.GatewayEvents;
import dev.verity.gateway.status.ServiceDirectory;
import dev.verity.runtime.rest.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Progressive disclosure: a request goes on only when every service its route needs
 * is usable. A service known to be down ends the request at once, before any call or wait; a
 * starting one is waited for, but never past the request's deadline.
 */
@ApplicationScoped
public class Readiness {

    private final ServiceDirectory directory;
    private final RoutesConfig routes;
    private final GatewayEvents events;

    public Readiness(ServiceDirectory directory, RoutesConfig routes, GatewayEvents events) {
        this.directory = directory;
        this.routes = routes;
        this.events = events;
    }

    public Uni<Void> await(Route route, RequestContext ctx) {
        List<String> required = routes.routes().get(route.configName()).requiredServices();
        for (String service : required) {
            ServiceStatus status = directory.current(service);
            if (status.status() == ServiceState.UNAVAILABLE) {
                return Uni.createFrom().failure(down(status, ctx));
            }
        }
        Uni<Void> ready = Uni.createFrom().voidItem();
        for (String service : required) {
            ready = ready.chain(() -> settle(service, ctx));
        }
        return ready;
    }

    private Uni<Void> settle(String service, RequestContext ctx) {
        ServiceStatus now = directory.current(service);
        if (now.status() == ServiceState.INITIALIZING) {
            events.waitingFor(ctx, now);
        }
        return directory.settled(service, ctx.deadline()).chain(status -> switch (status.status()) {
            case READY, DEGRADED -> Uni.createFrom().voidItem();
            case UNAVAILABLE -> Uni.createFrom().failure(down(status, ctx));
            case INITIALIZING -> Uni.createFrom().failure(new ProblemException(Problem.of(ErrorType.SERVICE_UNAVAILABLE,
                    "The " + service + " service is still starting and was not ready before the request deadline.",
                    Services.GATEWAY, ctx.user(), ctx.requestId())));
        });
    }

    private static ProblemException down(ServiceStatus status, RequestContext ctx) {
        return new ProblemException(Problem.of(ErrorType.SERVICE_UNAVAILABLE,
                "The " + status.service() + " service is unavailable right now; the request was not sent to it.",
                Services.GATEWAY, ctx.user(), ctx.requestId()));
    }
}
