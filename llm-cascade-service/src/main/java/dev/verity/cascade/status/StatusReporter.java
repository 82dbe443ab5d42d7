package dev.verity.cascade.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.cascade.service.BreakerChanged;
import dev.verity.cascade.service.ModelGuards;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The cascade's capability status (DESIGN §9): {@code ready} when every model's circuit breaker
 * is closed and Redis answers; {@code degraded} when some breakers are open (or half open) or
 * Redis is down (usage events are buffered, no cache); {@code unavailable} when no model is
 * configured or every breaker is open. Each model's breaker state is a component
 * ({@code model:<name>}). Every change is published on {@code verity:status}, and a breaker
 * change triggers a refresh at once rather than at the next poll.
 */
@ApplicationScoped
public class StatusReporter {

    public static final String CHANNEL = "verity:status";
    public static final String NO_PROVIDER = "no provider configured";
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final ModelGuards models;
    private final ReactiveRedisDataSource redis;
    private final ObjectMapper json;
    private volatile ServiceStatus current = new ServiceStatus(Services.LLM_CASCADE, ServiceState.INITIALIZING,
            "checking providers and Redis", Instant.now(), Map.of());

    public StatusReporter(ModelGuards models, ReactiveRedisDataSource redis, ObjectMapper json) {
        this.models = models;
        this.redis = redis;
        this.json = json;
    }

    public ServiceStatus current() {
        return current;
    }

    public Uni<ServiceStatus> refresh() {
        return redis.execute("PING")
                .ifNoItem().after(CHECK_TIMEOUT).fail()
                .map(reply -> ComponentStatus.up())
                .onFailure().recoverWithItem(e -> ComponentStatus.down("Redis does not answer"))
                .map(this::decide)
                .call(this::remember);
    }

    @Scheduled(every = "${verity.status.refresh-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> periodicRefresh() {
        return refresh().replaceWithVoid();
    }

    void breakerChanged(@ObservesAsync BreakerChanged change) {
        refresh().subscribe().with(status -> { }, e -> Log.debugf("status refresh failed: %s", e.getMessage()));
    }

    private ServiceStatus decide(ComponentStatus cache) {
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
            return status(ServiceState.UNAVAILABLE, NO_PROVIDER, components);
        }
        if (open == models.models().size()) {
            return status(ServiceState.UNAVAILABLE, "every model's circuit breaker is open", components);
        }
        List<String> reasons = new ArrayList<>();
        if (!notClosed.isEmpty()) {
            reasons.add("circuit breaker: " + String.join(", ", notClosed));
        }
        if (!cache.isUp()) {
            reasons.add("Redis unreachable: usage events buffered, response cache off");
        }
        if (!reasons.isEmpty()) {
            return status(ServiceState.DEGRADED, String.join("; ", reasons), components);
        }
        return status(ServiceState.READY, null, components);
    }

    private ServiceStatus status(ServiceState state, String reason, Map<String, ComponentStatus> components) {
        ServiceStatus previous = current;
        boolean same = previous.status() == state && Objects.equals(previous.reason(), reason);
        return new ServiceStatus(Services.LLM_CASCADE, state, reason, same ? previous.since() : Instant.now(), components);
    }

    private Uni<Void> remember(ServiceStatus next) {
        ServiceStatus previous = current;
        current = next;
        if (previous.status() == next.status() && Objects.equals(previous.reason(), next.reason())) {
            return Uni.createFrom().voidItem();
        }
        Log.infof("status %s -> %s (%s)", previous.status().wire(), next.status().wire(), next.reason());
        try {
            return redis.pubsub(String.class).publish(CHANNEL, json.writeValueAsString(next))
                    .ifNoItem().after(CHECK_TIMEOUT).fail()
                    .onFailure().invoke(e -> Log.debugf("status not published, Redis unreachable: %s", e.getMessage()))
                    .onFailure().recoverWithNull();
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
    }
}
