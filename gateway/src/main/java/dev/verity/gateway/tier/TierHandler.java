package dev.verity.gateway.tier;

import dev.verity.contract.Problem;
import dev.verity.contract.ServiceState;
import dev.verity.contract.Tier;
import dev.verity.contract.TierHandling;
import dev.verity.gateway.admission.AdmissionControl;
import dev.verity.gateway.config.RoutesConfig;
import dev.verity.gateway.config.StatusConfig;
import dev.verity.gateway.config.TierHandlingConfig;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.Route;
import dev.verity.gateway.status.ServiceDirectory;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Adds {@code tier_handling} to a problem. An enterprise customer hit by a failure on
 * our side gets a persisted support ticket and an escalation to support; everyone else gets
 * where they stand and what to do next. Failures the caller caused (4xx) escalate nothing.
 */
@ApplicationScoped
public class TierHandler {

    private static final Duration TICKET_TIMEOUT = Duration.ofSeconds(2);

    private final TierHandlingConfig config;
    private final SupportTickets tickets;
    private final SupportWebhook webhook;
    private final AdmissionControl admission;
    private final ServiceDirectory directory;
    private final RoutesConfig routes;
    private final String statusPageUrl;

    public TierHandler(TierHandlingConfig config, SupportTickets tickets, SupportWebhook webhook, AdmissionControl admission,
                       ServiceDirectory directory, RoutesConfig routes, StatusConfig status) {
        this.config = config;
        this.tickets = tickets;
        this.webhook = webhook;
        this.admission = admission;
        this.directory = directory;
        this.routes = routes;
        this.statusPageUrl = status.pageUrl();
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

    private Uni<Problem> escalate(Problem problem, Route route, RequestContext ctx) {
        SupportTicket ticket = new SupportTicket(UUID.randomUUID().toString(), "ENT-" + ctx.requestId(), ctx.requestId(),
                ctx.user().userId(), ctx.user().orgId(), problem.errorType().wire(), problem.status(), problem.service(),
                problem.detail(), ctx.user().accountManagerEmail(), Instant.now());
        return tickets.insert(ticket)
                .ifNoItem().after(TICKET_TIMEOUT).fail()
                .map(stored -> true)
                .onFailure().recoverWithItem(e -> {
                    Log.errorf("request %s: support ticket for %s not stored: %s", ctx.requestId(), ticket.escalationReference(),
                            e.toString());
                    return false;
                })
                .map(stored -> {
                    webhook.notifyInBackground(ticket, stored);
                    return problem.withTierHandling(TierHandling.enterprise(stored ? ticket.id() : null, ctx.requestId(),
                            admission.positionFor(route, Tier.ENTERPRISE), ctx.user().accountManagerEmail(),
                            config.supportContact(), alternatives(problem, route, ticket, stored)));
                });
    }

    /** Real alternatives only: other routes whose services are answering now, and support. */
    private List<String> alternatives(Problem problem, Route failed, SupportTicket ticket, boolean stored) {
        List<String> alternatives = new ArrayList<>();
        for (Route other : Route.values()) {
            if (other != failed && other != Route.USAGE && usable(other)) {
                alternatives.add(other.endpoint() + " is available now.");
            }
        }
        if (problem.retryable() && problem.retryAfterSeconds() != null) {
            alternatives.add("Retry after " + problem.retryAfterSeconds() + " seconds.");
        }
        alternatives.add("Contact " + config.supportContact() + " quoting " + ticket.escalationReference()
                + (stored ? " (ticket " + ticket.id() + ")." : "."));
        return alternatives;
    }

    private boolean usable(Route route) {
        RoutesConfig.RouteConfig settings = routes.routes().get(route.configName());
        return settings != null && settings.requiredServices().stream()
                .map(directory::current)
                .allMatch(s -> s.status() == ServiceState.READY || s.status() == ServiceState.DEGRADED);
    }

    private List<String> nextSteps(Problem problem) {
        if (!problem.retryable()) {
            return List.of("Correct the request as the detail describes, then send it again.");
        }
        int seconds = problem.retryAfterSeconds() == null ? Problem.DEFAULT_RETRY_AFTER_SECONDS : problem.retryAfterSeconds();
        return List.of("Retry after " + seconds + " seconds.", "Watch " + statusPageUrl + " for the state of each service.");
    }
}
