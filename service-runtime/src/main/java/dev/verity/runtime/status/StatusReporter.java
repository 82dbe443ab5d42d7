package dev.verity.runtime.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.RedisKeys;
import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A service's capability status (DESIGN §9), served on {@code /v1/status}: checked on every request
 * and every {@code verity.status.refresh-interval}, decided by the service's {@link StatusDecision},
 * and published on {@code verity:status} whenever the state or its reason changes. {@code since}
 * stays put while the state and reason do.
 */
@ApplicationScoped
public class StatusReporter {

    /** How long one check (Redis {@code PING}, a database query, a publish) may take before it counts as down. */
    public static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final StatusDecision decision;
    private final ReactiveRedisDataSource redis;
    private final ObjectMapper json;
    private final String service;
    private volatile ServiceStatus current;

    public StatusReporter(StatusDecision decision, ReactiveRedisDataSource redis, ObjectMapper json,
            @ConfigProperty(name = "verity.service.name") String service) {
        this.decision = decision;
        this.redis = redis;
        this.json = json;
        this.service = service;
        this.current = new ServiceStatus(service, ServiceState.INITIALIZING, decision.initializing(), Instant.now(), Map.of());
    }

    public ServiceStatus current() {
        return current;
    }

    /** Checks every component now, remembers the result and publishes it if the state changed. */
    public Uni<ServiceStatus> refresh() {
        Uni<ComponentStatus> cache = redis.execute("PING")
                .ifNoItem().after(CHECK_TIMEOUT).fail()
                .map(reply -> ComponentStatus.up())
                .onFailure().recoverWithItem(e -> ComponentStatus.down("Redis does not answer"));
        return decision.decide(cache)
                .map(this::dated)
                .call(this::remember);
    }

    @Scheduled(every = "${verity.status.refresh-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> periodicRefresh() {
        return refresh().replaceWithVoid();
    }

    private ServiceStatus dated(Verdict verdict) {
        ServiceStatus previous = current;
        boolean same = previous.status() == verdict.state() && Objects.equals(previous.reason(), verdict.reason());
        return new ServiceStatus(service, verdict.state(), verdict.reason(), same ? previous.since() : Instant.now(),
                verdict.components());
    }

    private Uni<Void> remember(ServiceStatus next) {
        ServiceStatus previous = current;
        current = next;
        if (previous.status() == next.status() && Objects.equals(previous.reason(), next.reason())) {
            return Uni.createFrom().voidItem();
        }
        Log.infof("status %s -> %s (%s)", previous.status().wire(), next.status().wire(), next.reason());
        String payload;
        try {
            payload = json.writeValueAsString(next);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return redis.pubsub(String.class).publish(RedisKeys.STATUS_CHANNEL, payload)
                .ifNoItem().after(CHECK_TIMEOUT).fail()
                .onFailure().invoke(e -> Log.debugf("status not published, Redis unreachable: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }
}
