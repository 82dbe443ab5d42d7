package dev.verity.agent.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.agent.client.CascadeClient;
import dev.verity.agent.client.DataAgentClient;
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
 * The execution agent's capability status (DESIGN §9), including the cascade's and the data
 * agent's own status as components. Every change is published on {@code verity:status}.
 * Without the cascade no run can answer, so the agent is unavailable; without the data agent runs
 * still answer, but tools fail, so the agent is degraded.
 */
@ApplicationScoped
public class StatusReporter {

    public static final String CHANNEL = "verity:status";
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper json;
    private final CascadeClient cascade;
    private final DataAgentClient data;
    private volatile ServiceStatus current = new ServiceStatus(Services.EXECUTION_AGENT, ServiceState.INITIALIZING,
            "checking dependencies", Instant.now(), Map.of());

    public StatusReporter(ReactiveRedisDataSource redis, ObjectMapper json, CascadeClient cascade, DataAgentClient data) {
        this.redis = redis;
        this.json = json;
        this.cascade = cascade;
        this.data = data;
    }

    public ServiceStatus current() {
        return current;
    }

    public Uni<ServiceStatus> refresh() {
        Uni<ComponentStatus> cache = redis.execute("PING")
                .ifNoItem().after(CHECK_TIMEOUT).fail()
                .map(reply -> ComponentStatus.up())
                .onFailure().recoverWithItem(e -> ComponentStatus.down("Redis does not answer"));
        return Uni.combine().all().unis(cache, cascade.status(), data.status())
                .with(this::decide)
                .call(this::remember);
    }

    @Scheduled(every = "${verity.status.refresh-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> periodicRefresh() {
        return refresh().replaceWithVoid();
    }

    private ServiceStatus decide(ComponentStatus cache, ComponentStatus llm, ComponentStatus tools) {
        Map<String, ComponentStatus> components = new TreeMap<>();
        components.put("redis", cache);
        components.put(Services.LLM_CASCADE, llm);
        components.put(Services.DATA_AGENT, tools);
        String llmState = llm.state();
        if (is(llmState, ServiceState.UNAVAILABLE)) {
            return status(ServiceState.UNAVAILABLE, "llm-cascade unavailable: runs cannot reach a model", components);
        }
        if (is(llmState, ServiceState.INITIALIZING)) {
            return status(ServiceState.INITIALIZING, "llm-cascade is initializing", components);
        }
        if (is(llmState, ServiceState.DEGRADED)) {
            return status(ServiceState.DEGRADED, "llm-cascade degraded: answers may come from lower-preference models", components);
        }
        if (!is(tools.state(), ServiceState.READY)) {
            return status(ServiceState.DEGRADED, "data-agent " + tools.state() + ": tools may fail", components);
        }
        if (!cache.isUp()) {
            return status(ServiceState.DEGRADED, "Redis unreachable: status changes are not published", components);
        }
        return status(ServiceState.READY, null, components);
    }

    private static boolean is(String state, ServiceState expected) {
        return expected.wire().equals(state);
    }

    private ServiceStatus status(ServiceState state, String reason, Map<String, ComponentStatus> components) {
        ServiceStatus previous = current;
        boolean same = previous.status() == state && Objects.equals(previous.reason(), reason);
        return new ServiceStatus(Services.EXECUTION_AGENT, state, reason, same ? previous.since() : Instant.now(), components);
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
