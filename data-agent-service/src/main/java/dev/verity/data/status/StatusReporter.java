package dev.verity.data.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import dev.verity.data.query.Databases;
import dev.verity.data.schema.SchemaMigrator;
import dev.verity.data.usage.UsageStreamConsumer;
import io.vertx.mutiny.sqlclient.Pool;
import java.util.Objects;
import java.util.TreeMap;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The data agent's capability status (DESIGN §9): the primary answers with its schema in place →
 * ready; the primary is down but the replica or the last-good cache (Redis) can answer → degraded;
 * nothing can answer → unavailable. Every change of state is published on {@code verity:status}.
 */
@ApplicationScoped
public class StatusReporter {

    public static final String CHANNEL = "verity:status";
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final Databases databases;
    private final SchemaMigrator schema;
    private final UsageStreamConsumer consumer;
    private final ReactiveRedisDataSource redis;
    private final ObjectMapper json;
    private volatile ServiceStatus current = new ServiceStatus(Services.DATA_AGENT, ServiceState.INITIALIZING,
            "checking PostgreSQL and Redis", Instant.now(), Map.of());

    public StatusReporter(Databases databases, SchemaMigrator schema, UsageStreamConsumer consumer,
            ReactiveRedisDataSource redis, ObjectMapper json) {
        this.databases = databases;
        this.schema = schema;
        this.consumer = consumer;
        this.redis = redis;
        this.json = json;
    }

    public ServiceStatus current() {
        return current;
    }

    /** Checks every component now, remembers the result and publishes it if the state changed. */
    public Uni<ServiceStatus> refresh() {
        Uni<ComponentStatus> postgres = ping(databases.primary(), "PostgreSQL does not answer");
        Uni<ComponentStatus> replica = databases.replica()
                .map(pool -> ping(pool, "read replica does not answer"))
                .orElse(Uni.createFrom().nullItem());
        Uni<ComponentStatus> cache = redis.execute("PING")
                .ifNoItem().after(CHECK_TIMEOUT).fail()
                .map(reply -> ComponentStatus.up())
                .onFailure().recoverWithItem(e -> ComponentStatus.down("Redis does not answer"));
        return Uni.combine().all().unis(postgres, replica, cache).asTuple()
                .map(checks -> decide(checks.getItem1(), checks.getItem2(), checks.getItem3()))
                .call(this::remember);
    }

    private static Uni<ComponentStatus> ping(Pool pool, String downDetail) {
        return pool.query("SELECT 1").execute()
                .ifNoItem().after(CHECK_TIMEOUT).fail()
                .map(rows -> ComponentStatus.up())
                .onFailure().recoverWithItem(e -> ComponentStatus.down(downDetail));
    }

    @Scheduled(every = "${verity.status.refresh-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> periodicRefresh() {
        return refresh().replaceWithVoid();
    }

    private ServiceStatus decide(ComponentStatus postgres, ComponentStatus replica, ComponentStatus cache) {
        Map<String, ComponentStatus> components = new TreeMap<>();
        boolean migrated = schema.migrated();
        components.put("postgres", postgres.isUp() && !migrated
                ? new ComponentStatus(ComponentStatus.UP, "schema migration pending") : postgres);
        components.put("redis", cache);
        components.put("usage_stream", consumer.state());
        if (replica != null) {
            components.put("replica", replica);
        }
        if (postgres.isUp() && migrated) {
            String reason = cache.isUp() ? null : "Redis unreachable: no last-good cache, no stream ingestion";
            return status(cache.isUp() ? ServiceState.READY : ServiceState.DEGRADED, reason, components);
        }
        if (postgres.isUp()) {
            return status(ServiceState.INITIALIZING, "migrating the telemetry schema", components);
        }
        if (replica != null && replica.isUp()) {
            return status(ServiceState.DEGRADED, "primary database unreachable: answering from the read replica",
                    components);
        }
        if (cache.isUp()) {
            return status(ServiceState.DEGRADED, "primary database unreachable: answering from cached results only",
                    components);
        }
        return status(ServiceState.UNAVAILABLE, "neither the database nor the cache answers", components);
    }

    private ServiceStatus status(ServiceState state, String reason, Map<String, ComponentStatus> components) {
        ServiceStatus previous = current;
        boolean same = previous.status() == state && Objects.equals(previous.reason(), reason);
        return new ServiceStatus(Services.DATA_AGENT, state, reason, same ? previous.since() : Instant.now(), components);
    }

    private Uni<Void> remember(ServiceStatus next) {
        ServiceStatus previous = current;
        current = next;
        if (previous.status() == next.status() && Objects.equals(previous.reason(), next.reason())) {
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
