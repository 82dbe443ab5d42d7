package dev.verity.gateway.events;

import dev.verity.gateway.notices.RequestQueued;

import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.Services;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.Map;

/**
 * {@code request_queued}: the admission controller's {@link RequestQueued} becomes an
 * event in the user's log, reaching their sockets on every replica; with Redis down, the sockets
 * on this replica still get it.
 */
@ApplicationScoped
public class QueueEvents {

    private final EventLogStore log;
    private final Subscribers subscribers;

    public QueueEvents(EventLogStore log, Subscribers subscribers) {
        this.log = log;
        this.subscribers = subscribers;
    }

    void onQueued(@Observes RequestQueued queued) {
        if (queued.userId() == null || queued.userId().isBlank()) {
            return;
        }
        Event event = new Event(EventType.REQUEST_QUEUED, null, queued.requestId(), queued.userId(), Instant.now(),
                Services.GATEWAY, null, Map.of("position", queued.position()));
        log.append(event).subscribe().with(
                appended -> subscribers.deliver(queued.userId(), appended.event()),
                failure -> Log.errorf(failure, "request_queued for %s not delivered", queued.requestId()));
    }
}
