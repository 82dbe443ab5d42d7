package dev.verity.cascade.status;

import dev.verity.cascade.service.BreakerChanged;
import dev.verity.cascade.service.ModelGuards;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ServiceState;
import dev.verity.runtime.status.StatusDecision;
import dev.verity.runtime.status.StatusReporter;
import dev.verity.runtime.status.Verdict;
import io.quarkus.logging.Log;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cascade's capability status (DESIGN §9): {@code ready} when every model's circuit breaker
 * is closed and Redis answers; {@code degraded} when some breakers are open (or half open) or
 * Redis is down (usage events are buffered, no cache); {@code unavailable} when no model is
 * configured or every breaker is open. Each model's breaker state is a component
 * ({@code model:<name>}). A breaker change triggers a refresh at once rather than at the next poll.
 */
@ApplicationScoped
public class CascadeStatus implements StatusDecision {

    public static final String NO_PROVIDER = "no provider configured";

    private final ModelGuards models;

    public CascadeStatus(ModelGuards models) {
        this.models = models;
    }

    @Override
    public String initializing() {
        return "checking providers and Redis";
    }

    @Override
    public Uni<Verdict> decide(Uni<ComponentStatus> redis) {
        return redis.map(this::verdict);
    }

    void breakerChanged(@ObservesAsync BreakerChanged change, StatusReporter reporter) {
        reporter.refresh().subscribe().with(status -> { }, e -> Log.debugf("status refresh failed: %s", e.getMessage()));
    }

    private Verdict verdict(ComponentStatus cache) {
        Map<String, ComponentStatus> components = new TreeMap<>();
        components.put("redis", cache);
        List<String> notClosed = new ArrayList<>();
        int open = 0;
        for (var model : models.models()) {
            CircuitBreakerState state = models.breakerState(model.name());
            components.put("model:" + model.name(), new ComponentStatus(ModelGuards.wire(state), null));
            if (state != CircuitBreakerState.CLOSED) {
                notClosed.add(model.name() + " " + ModelGuards.wire(state));
            }
            if (state == CircuitBreakerState.OPEN) {
                open++;
            }
        }
        if (models.models().isEmpty()) {
            return new Verdict(ServiceState.UNAVAILABLE, NO_PROVIDER, components);
        }
        if (open == models.models().size()) {
            return new Verdict(ServiceState.UNAVAILABLE, "every model's circuit breaker is open", components);
        }
        List<String> reasons = new ArrayList<>();
        if (!notClosed.isEmpty()) {
            reasons.add("circuit breaker: " + String.join(", ", notClosed));
        }
        if (!cache.isUp()) {
            reasons.add("Redis unreachable: usage events buffered, response cache off");
        }
        if (!reasons.isEmpty()) {
            return new Verdict(ServiceState.DEGRADED, String.join("; ", reasons), components);
        }
        return new Verdict(ServiceState.READY, null, components);
    }
}
