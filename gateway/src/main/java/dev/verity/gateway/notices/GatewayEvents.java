package dev.verity.gateway.notices;

import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import dev.verity.gateway.config.StatusEventsConfig;
import dev.verity.gateway.routing.RequestContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gateway's own events: queue positions and service transitions. They are fired
 * as CDI events of the contract {@link Event} type (events with a null user concern everyone), and
 * as the {@link RequestQueued} and {@link ServiceTransition} notices the WebSocket side turns into
 * per-socket frames.
 */
@ApplicationScoped
public class GatewayEvents {

    private final jakarta.enterprise.event.Event<Event> bus;
    private final jakarta.enterprise.event.Event<RequestQueued> queued;
    private final jakarta.enterprise.event.Event<ServiceTransition> transitions;
    private final boolean enabled;

    public GatewayEvents(jakarta.enterprise.event.Event<Event> bus, jakarta.enterprise.event.Event<RequestQueued> queued,
                         jakarta.enterprise.event.Event<ServiceTransition> transitions, StatusEventsConfig config) {
        this.bus = bus;
        this.queued = queued;
        this.transitions = transitions;
        this.enabled = config.enabled();
    }

    public void requestQueued(RequestContext ctx, String route, int position, int queueLength) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("route", route);
        data.put("position", position);
        data.put("queue_length", queueLength);
        fire(EventType.REQUEST_QUEUED, ctx.requestId(), ctx.user().userId(), data);
        // Queue positions are not status events: they reach the user's sockets whatever the flag says.
        queued.fire(new RequestQueued(ctx.user().userId(), ctx.requestId(), position));
    }

    /** A request waits because a service it needs is still starting. */
    public void waitingFor(RequestContext ctx, ServiceStatus status) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("service", status.service());
        if (status.reason() != null) {
            data.put("reason", status.reason());
        }
        fire(EventType.SERVICE_INITIALIZING, ctx.requestId(), ctx.user().userId(), data);
    }

    public void serviceChanged(ServiceStatus previous, ServiceStatus next) {
        transitions.fire(new ServiceTransition(next.service(), previous, next));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("service", next.service());
        data.put("previous", previous.status().wire());
        if (next.reason() != null) {
            data.put("reason", next.reason());
        }
        EventType type = switch (next.status()) {
            case INITIALIZING -> EventType.SERVICE_INITIALIZING;
            case READY -> EventType.SERVICE_READY;
            case DEGRADED -> EventType.SERVICE_DEGRADED;
            case UNAVAILABLE -> EventType.SERVICE_UNAVAILABLE;
        };
        if (next.status() == ServiceState.READY && previous.since() != null) {
            data.put("took_ms", Duration.between(previous.since(), Instant.now()).toMillis());
        }
        fire(type, null, null, data);
    }

    private void fire(EventType type, String requestId, String userId, Map<String, Object> data) {
        if (enabled) {
            bus.fire(new Event(type, null, requestId, userId, Instant.now(), Services.GATEWAY, null, data));
        }
    }
}
