package dev.verity.gateway;

import dev.verity.contract.Event;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Observes the gateway's event seam the way the WebSocket delivery will. */
@ApplicationScoped
public class CapturedEvents {

    private final List<Event> events = new CopyOnWriteArrayList<>();

    void on(@Observes Event event) {
        events.add(event);
    }

    public List<Event> forRequest(String requestId) {
        return events.stream().filter(e -> requestId.equals(e.requestId())).toList();
    }

    public List<Event> all() {
        return List.copyOf(events);
    }
}
