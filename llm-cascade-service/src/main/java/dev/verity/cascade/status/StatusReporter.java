package dev.verity.cascade.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.cascade.config.CascadeConfig;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The cascade's capability status (DESIGN §9): with no model configured it is honestly
 * {@code unavailable}; Redis down only degrades it (usage events are buffered, no cache).
 * Every change is published on {@code verity:status}.
 */
@ApplicationScoped
public class StatusReporter {

    public static final String CHANNEL = "verity:status";
    public static final String NO_PROVIDER = "no provider configured";
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final CascadeConfig config;
    private final ReactiveRedisDataSource redis;
    private final ObjectMapper json;
    private volatile ServiceStatus current = new ServiceStatus(Services.LLM_CASCADE, ServiceState.INITIALIZING,
            "checking providers and Redis", Instant.now(), Map.of());

    public StatusReporter(CascadeConfig config, ReactiveRedisDataSource redis, ObjectMapper json) {
        this.config = config;
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

    private ServiceStatus decide(ComponentStatus cache) {
        Map<String, ComponentStatus> components = new TreeMap<>();
        components.put("redis", cache);
        config.models().keySet().forEach(name -> components.put("model:" + name, new ComponentStatus("closed", null)));
        if (config.models().isEmpty()) {
            return status(ServiceState.UNAVAILABLE, NO_PROVIDER, components);
        }
        if (!cache.isUp()) {
            return status(ServiceState.DEGRADED, "Redis unreachable: usage events buffered, response cache off",
                    components);
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
