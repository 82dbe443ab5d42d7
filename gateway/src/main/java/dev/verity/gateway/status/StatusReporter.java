package dev.verity.gateway.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import dev.verity.gateway.events.EventRelay;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The gateway's own capability status (DESIGN §9). PostgreSQL holds support tickets and Redis
 * carries rate limits and cross-replica events: either down degrades the gateway, never stops it.
 */
@ApplicationScoped
public class StatusReporter {

    public static final String CHANNEL = "verity:status";
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final Pool pool;
    private final ReactiveRedisDataSource redis;
    private final ObjectMapper json;
    private final EventRelay relay;
    private volatile ServiceStatus current = new ServiceStatus(Services.GATEWAY, ServiceState.INITIALIZING,
            "checking PostgreSQL and Redis", Instant.now(), Map.of());

    public StatusReporter(Pool pool, ReactiveRedisDataSource redis, ObjectMapper json, EventRelay relay) {
        this.pool = pool;
        this.redis = redis;
        this.json = json;
        this.relay = relay;
    }

    public ServiceStatus current() {
        return current;
    }

    /** Checks every component now, remembers the result and publishes it if the state changed. */
    public Uni<ServiceStatus> refresh() {
        Uni<ComponentStatus> postgres = pool.query("SELECT 1").execute()
                .ifNoItem().after(CHECK_TIMEOUT).fail()
                .map(rows -> ComponentStatus.up())
                .onFailure().recoverWithItem(e -> ComponentStatus.down("PostgreSQL does not answer"));
        Uni<ComponentStatus> cache = redis.execute("PING")
                .ifNoItem().after(CHECK_TIMEOUT).fail()
                .map(reply -> ComponentStatus.up())
                .onFailure().recoverWithItem(e -> ComponentStatus.down("Redis does not answer"));
        return Uni.combine().all().unis(postgres, cache).asTuple()
                .map(checks -> decide(checks.getItem1(), checks.getItem2()))
                .call(this::remember);
    }

    @Scheduled(every = "${verity.status.refresh-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> periodicRefresh() {
        return refresh().replaceWithVoid();
    }

    private ServiceStatus decide(ComponentStatus postgres, ComponentStatus cache) {
        // "events": whether run events from other replicas (Redis pub/sub) reach this replica's sockets.
        Map<String, ComponentStatus> components = Map.of("postgres", postgres, "redis", cache, "events", relay.component());
        if (postgres.isUp() && cache.isUp()) {
            return status(ServiceState.READY, null, components);
        }
        String reason = !postgres.isUp() && !cache.isUp()
                ? "PostgreSQL and Redis unreachable: no support tickets, local events only, service status by polling only"
                : !postgres.isUp()
                        ? "PostgreSQL unreachable: support tickets cannot be recorded"
                        : "Redis unreachable: local events only, service status by polling only, rate limits not enforced";
        return status(ServiceState.DEGRADED, reason, components);
    }

    private ServiceStatus status(ServiceState state, String reason, Map<String, ComponentStatus> components) {
        ServiceStatus previous = current;
        boolean same = previous.status() == state && java.util.Objects.equals(previous.reason(), reason);
        return new ServiceStatus(Services.GATEWAY, state, reason, same ? previous.since() : Instant.now(), components);
    }

    private Uni<Void> remember(ServiceStatus next) {
        ServiceStatus previous = current;
        current = next;
        if (previous.status() == next.status() && java.util.Objects.equals(previous.reason(), next.reason())) {
            return Uni.createFrom().voidItem();
        }
        Log.infof("status %s -> %s (%s)", previous.status().wire(), next.status().wire(), next.reason());
        return publish(next);
    }

    private Uni<Void> publish(ServiceStatus status) {
        String payload;
        try {
            payload = json.writeValueAsString(status);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return redis.pubsub(String.class).publish(CHANNEL, payload)
                .ifNoItem().after(CHECK_TIMEOUT).fail()
                .onFailure().invoke(e -> Log.debugf("status not published, Redis unreachable: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }
}
