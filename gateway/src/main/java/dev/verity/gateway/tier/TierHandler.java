package dev.verity.gateway.tier;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.ServiceState;
import dev.verity.contract.Services;
import dev.verity.contract.Tier;
import dev.verity.contract.TierHandling;
import dev.verity.contract.UserContext;
import dev.verity.gateway.admission.AdmissionControl;
import dev.verity.gateway.config.RoutesConfig;
import dev.verity.gateway.config.StatusConfig;
import dev.verity.gateway.config.TierHandlingConfig;
import dev.verity.gateway.incident.Failure;
import dev.verity.gateway.incident.Incidents;
import dev.verity.gateway.incident.IncidentsConfig;
import dev.verity.gateway.incident.Recorded;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.Route;
import dev.verity.gateway.status.ServiceDirectory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Adds {@code tier_handling} to a problem. An enterprise customer hit by a failure on our side
 * has it counted in their organisation's support incident (opened, and support told, by the first
 * such failure; joined by the rest) and is told where they stand; everyone else gets where they
 * stand and what to do next, and no incident. Failures the caller caused (4xx) escalate nothing.
 * An enterprise success resolves the organisation's incidents of the services it went through.
 */
@ApplicationScoped
public class TierHandler {

    private final TierHandlingConfig config;
    private final Incidents incidents;
    private final Duration recordTimeout;
    private final AdmissionControl admission;
    private final ServiceDirectory directory;
    private final RoutesConfig routes;
    private final String statusPageUrl;
    private final Counter unrecorded;

    public TierHandler(TierHandlingConfig config, Incidents incidents, IncidentsConfig incidentsConfig,
                       AdmissionControl admission, ServiceDirectory directory, RoutesConfig routes, StatusConfig status,
                       MeterRegistry registry) {
        this.config = config;
        this.incidents = incidents;
        this.recordTimeout = incidentsConfig.recordTimeout();
        this.admission = admission;
        this.directory = directory;
        this.routes = routes;
        this.statusPageUrl = status.pageUrl();
        this.unrecorded = Counter.builder("verity.incidents.unrecorded")
                .description("Enterprise failures whose incident occurrence could not be stored")
                .register(registry);
    }

    public Uni<Problem> attach(Problem problem, Route route, RequestContext ctx) {
        if (!config.enabled()) {
            return Uni.createFrom().item(problem);
        }
        Tier tier = ctx.user().tier();
        if (tier == Tier.ENTERPRISE && problem.status() >= 500) {
            return escalate(problem, route, ctx);
        }
        return Uni.createFrom().item(problem.withTierHandling(
                TierHandling.standard(tier, admission.positionFor(route, tier), statusPageUrl, nextSteps(problem))));
    }

    /**
     * A request on this route succeeded: the caller's organisation's open incidents of the services
     * it went through resolve. Runs in the background; the answer never waits for it.
     */
    public void succeeded(Route route, UserContext user) {
        if (!config.enabled() || user.tier() != Tier.ENTERPRISE) {
            return;
        }
        incidents.succeeded(user.orgId(), servicesOf(route)).subscribe().with(
                resolved -> { },
                e -> Log.warnf("incidents of org %s not resolved after a success on %s (the quiet period will): %s",
                        user.orgId(), route.configName(), e.getMessage()));
    }

    private Uni<Problem> escalate(Problem problem, Route route, RequestContext ctx) {
        UserContext user = ctx.user();
        Failure failure = new Failure(user.orgId(), user.userId(), ctx.requestId(), failingService(problem, route),
                problem.errorType().wire(),
                problem.status(), problem.detail(), user.accountManagerEmail(), incidents.now());
        return incidents.record(failure)
                .ifNoItem().after(recordTimeout).fail()
                .onFailure().recoverWithItem(e -> {
                    unrecorded.increment();
                    Log.errorf("request %s: enterprise failure of org %s (%s) not counted in an incident: %s", ctx.requestId(),
                            user.orgId(), failure.key().dedupKey(), e.toString());
                    return null;
                })
                .map(recorded -> {
                    String ticketId = recorded == null ? null : recorded.incident().id();
                    String role = switch (recorded) {
                        case null -> null;
                        case Recorded.Opened opened -> TierHandling.INCIDENT_OPENED;
                        case Recorded.Joined joined -> TierHandling.INCIDENT_JOINED;
                    };
                    return problem.withTierHandling(TierHandling.enterprise(ticketId, role, ctx.requestId(),
                            admission.positionFor(route, Tier.ENTERPRISE), user.accountManagerEmail(),
                            config.supportContact(), alternatives(problem, route, ctx, ticketId)));
                });
    }

    /**
     * Real alternatives only: other routes none of whose services just failed or are in an open
     * incident of the caller's organisation, and which answer now by live status; then support.
     */
    private List<String> alternatives(Problem problem, Route failed, RequestContext ctx, String ticketId) {
        Set<String> failing = failingServices(problem);
        String refused = failingService(problem, failed);
        if (!Services.GATEWAY.equals(refused)) {
            failing.add(refused);
        }
        List<String> alternatives = new ArrayList<>();
        for (Route other : Route.values()) {
            if (other != failed && other != Route.USAGE && usable(other, failing, ctx.user().orgId())) {
                alternatives.add(other.endpoint() + " is available now.");
            }
        }
        if (problem.retryable() && problem.retryAfterSeconds() != null) {
            alternatives.add("Retry after " + problem.retryAfterSeconds() + " seconds.");
        }
        alternatives.add("Contact " + config.supportContact() + " quoting ENT-" + ctx.requestId()
                + (ticketId != null ? " (ticket " + ticketId + ")." : "."));
        return alternatives;
    }

    /**
     * The service an incident is about: the one that reported the failure, except when the gateway
     * refused the request because a service the route needs is down, which is then the failing one
     * by live status (so a refusal and the failures before it name the same service).
     */
    private String failingService(Problem problem, Route route) {
        if (Services.GATEWAY.equals(problem.service()) && problem.errorType() == ErrorType.SERVICE_UNAVAILABLE) {
            for (String service : requiredServices(route)) {
                ServiceState state = directory.current(service).status();
                if (state == ServiceState.UNAVAILABLE || state == ServiceState.INITIALIZING) {
                    return service;
                }
            }
        }
        return problem.service();
    }

    /**
     * The services this failure says are failing: the one that reported it (unless the gateway
     * itself answered), and the model cascade for every model failure, whoever relayed it.
     */
    static Set<String> failingServices(Problem problem) {
        Set<String> failing = new LinkedHashSet<>();
        if (problem.service() != null && !Services.GATEWAY.equals(problem.service())) {
            failing.add(problem.service());
        }
        if (isModelFailure(problem.errorType())) {
            failing.add(Services.LLM_CASCADE);
        }
        return failing;
    }

    private static boolean isModelFailure(ErrorType type) {
        return switch (type) {
            case LLM_TIMEOUT, LLM_RATE_LIMITED, LLM_AUTH_FAILED, LLM_MODEL_UNAVAILABLE, LLM_UPSTREAM_ERROR,
                 LLM_INVALID_RESPONSE, LLM_UNAVAILABLE, LLM_CONTEXT_LENGTH_EXCEEDED -> true;
            case INVALID_REQUEST, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, METHOD_NOT_ALLOWED, PAYLOAD_TOO_LARGE, RATE_LIMITED,
                 AGENT_TIMEOUT, TOOL_FAILED, DATA_UNAVAILABLE, DATA_QUERY_TIMEOUT, DATA_VALIDATION_FAILED,
                 SERVICE_UNAVAILABLE, OVERLOADED, AUTHENTICITY_VIOLATION, INTERNAL_ERROR -> false;
        };
    }

    private boolean usable(Route route, Set<String> failing, String orgId) {
        List<String> required = requiredServices(route);
        return !required.isEmpty() && required.stream().allMatch(service -> !failing.contains(service)
                && !incidents.knownOpen(orgId, service)
                && (directory.current(service).status() == ServiceState.READY
                    || directory.current(service).status() == ServiceState.DEGRADED));
    }

    private List<String> requiredServices(Route route) {
        RoutesConfig.RouteConfig settings = routes.routes().get(route.configName());
        return settings == null ? List.of() : settings.requiredServices();
    }

    /** What a success on this route proves is answering: the services it needs, and the gateway. */
    private Set<String> servicesOf(Route route) {
        Set<String> services = new LinkedHashSet<>(requiredServices(route));
        services.add(Services.GATEWAY);
        return services;
    }

    private List<String> nextSteps(Problem problem) {
        if (!problem.retryable()) {
            return List.of("Correct the request as the detail describes, then send it again.");
        }
        int seconds = problem.retryAfterSeconds() == null ? Problem.DEFAULT_RETRY_AFTER_SECONDS : problem.retryAfterSeconds();
        return List.of("Retry after " + seconds + " seconds.", "Watch " + statusPageUrl + " for the state of each service.");
    }
}
