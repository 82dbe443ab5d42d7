package dev.verity.gateway.events;

import dev.verity.gateway.notices.ServiceTransition;

import dev.verity.contract.ComponentStatus;
import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Turns service status transitions into {@code service_*} events for every open socket:
 * an outage affects every user. Each replica observes the services itself, so these events
 * are not relayed through Redis and are not in the per-user log (no {@code event_id}: they are not
 * a resume point); instead a socket that opens is told the current state of every service that is
 * not ready, so a reconnecting client cannot miss an outage that is still going on.
 * {@code verity.status-events.enabled=false} switches them off.
 */
@ApplicationScoped
public class StatusEvents {

    private final Subscribers subscribers;
    private final boolean enabled;
    private final Map<String, Event> notReady = new ConcurrentHashMap<>();
    private final Timer fanOut;

    public StatusEvents(Subscribers subscribers, MeterRegistry registry,
                        @ConfigProperty(name = "verity.status-events.enabled", defaultValue = "true") boolean enabled) {
        this.subscribers = subscribers;
        this.enabled = enabled;
        this.fanOut = Timer.builder("verity.gateway.status.fanout")
                .description("Time to hand one service status transition to every open socket of this replica")
                .publishPercentileHistogram()
                .register(registry);
    }

    void onTransition(@Observes ServiceTransition transition) {
        if (!enabled || transition.current() == null) {
            return;
        }
        ServiceStatus previous = transition.previous();
        ServiceStatus current = transition.current();
        if (previous != null && previous.status() == current.status()
                && java.util.Objects.equals(previous.reason(), current.reason())) {
            return;
        }
        Event event = toEvent(transition.service(), previous, current);
        if (current.status() == ServiceState.READY) {
            notReady.remove(transition.service());
        } else {
            notReady.put(transition.service(), event);
        }
        // Offering is queueing, not writing: a long fan-out means many sockets or a contended queue.
        long started = System.nanoTime();
        subscribers.deliverToEveryone(userId -> forUser(event, userId));
        fanOut.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    /** Sent to a socket as it opens: what is still not ready. */
    void tellCurrentState(Subscriber socket) {
        if (enabled) {
            notReady.values().forEach(event -> socket.offer(forUser(event, socket.userId())));
        }
    }

    private static Event forUser(Event event, String userId) {
        return new Event(event.type(), null, null, userId, event.timestamp(), event.service(), null, event.data());
    }

    static Event toEvent(String service, ServiceStatus previous, ServiceStatus current) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("service", service);
        data.put("status", current.status().wire());
        if (previous != null) {
            data.put("previous_status", previous.status().wire());
        }
        if (current.reason() != null) {
            data.put("reason", current.reason());
        }
        if (current.since() != null) {
            data.put("since", current.since().toString());
        }
        EventType type = switch (current.status()) {
            case INITIALIZING -> EventType.SERVICE_INITIALIZING;
            case READY -> EventType.SERVICE_READY;
            case DEGRADED -> EventType.SERVICE_DEGRADED;
            case UNAVAILABLE -> EventType.SERVICE_UNAVAILABLE;
        };
        switch (current.status()) {
            case READY -> {
                if (previous != null && previous.since() != null && current.since() != null) {
                    data.put("time_to_ready_ms", Math.max(0, Duration.between(previous.since(), current.since()).toMillis()));
                }
            }
            case INITIALIZING -> data.put("impact", "Requests that need " + service + " wait for it within their deadline.");
            case DEGRADED -> {
                data.put("impact", impact(service, true));
                List<String> down = downComponents(current);
                if (!down.isEmpty()) {
                    data.put("components_down", down);
                }
                data.put("alternatives", alternatives(service));
            }
            case UNAVAILABLE -> {
                data.put("impact", impact(service, false));
                data.put("alternatives", alternatives(service));
            }
        }
        return new Event(type, null, null, null, Instant.now(), Services.GATEWAY, null, data);
    }

    private static List<String> downComponents(ServiceStatus status) {
        List<String> down = new ArrayList<>();
        status.components().forEach((name, component) -> {
            if (component != null && ComponentStatus.DOWN.equals(component.state())) {
                down.add(name);
            }
        });
        return down;
    }

    /** What users lose, stated from how Verity is built; never an estimate we cannot back. */
    private static String impact(String service, boolean degraded) {
        return switch (service) {
            case Services.LLM_CASCADE -> degraded
                    ? "Some models are unavailable: answers may come from another model and are marked degraded."
                    : "No model can answer: agent runs and chat completions fail at once with a retryable problem.";
            case Services.EXECUTION_AGENT -> degraded
                    ? "Agent runs may fail when they need the missing capability."
                    : "Agent runs cannot start; they fail at once with a retryable problem.";
            case Services.DATA_AGENT -> degraded
                    ? "Metrics may come from the replica or the last good result, marked with their age."
                    : "Metrics, cost analysis and usage ingestion fail; agent runs that need them fail with tool_failed.";
            case Services.GATEWAY -> "Events reach only sockets on the replica running the run; resume may be unavailable.";
            default -> degraded ? service + " answers with reduced capability." : service + " cannot answer.";
        };
    }

    private static List<String> alternatives(String service) {
        return switch (service) {
            case Services.LLM_CASCADE -> List.of("retry after service_ready for llm-cascade", "watch /status");
            case Services.EXECUTION_AGENT -> List.of("POST /v1/chat/completions answers without tools",
                    "retry after service_ready for execution-agent");
            case Services.DATA_AGENT -> List.of("ask without metrics tools", "retry after service_ready for data-agent");
            default -> List.of("retry after service_ready for " + service, "watch /status");
        };
    }
}
