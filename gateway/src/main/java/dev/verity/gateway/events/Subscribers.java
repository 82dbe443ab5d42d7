package dev.verity.gateway.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Event;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** The sockets open on this replica, by user: events go only to the sockets of their user. */
@ApplicationScoped
public class Subscribers {

    private final Map<String, Subscriber> byConnection = new ConcurrentHashMap<>();
    private final Map<String, Set<Subscriber>> byUser = new ConcurrentHashMap<>();
    private final EventsConfig config;
    private final ObjectMapper json;

    public Subscribers(EventsConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    void add(Subscriber subscriber) {
        byConnection.put(subscriber.id(), subscriber);
        byUser.computeIfAbsent(subscriber.userId(), user -> ConcurrentHashMap.newKeySet()).add(subscriber);
    }

    void remove(String connectionId) {
        Subscriber gone = byConnection.remove(connectionId);
        if (gone != null) {
            byUser.computeIfPresent(gone.userId(), (user, set) -> {
                set.remove(gone);
                return set.isEmpty() ? null : set;
            });
        }
    }

    Subscriber get(String connectionId) {
        return byConnection.get(connectionId);
    }

    /** Delivers a run or queue event to every open socket of its user on this replica. */
    public void deliver(String userId, Event event) {
        Set<Subscriber> sockets = byUser.get(userId);
        if (sockets != null) {
            sockets.forEach(socket -> socket.offer(event));
        }
    }

    /**
     * Sends every open socket the event {@code forUser} makes for the socket's user. The event is
     * encoded once per user and the same text written to each of that user's sockets: with ten
     * sockets per user at 10,000 sockets that is 1,000 encodings instead of 10,000.
     */
    void deliverToEveryone(Function<String, Event> forUser) {
        byUser.forEach((userId, sockets) -> {
            Event event = forUser.apply(userId);
            String encoded;
            try {
                encoded = json.writeValueAsString(event);
            } catch (JsonProcessingException e) {
                Log.errorf(e, "%s event for user %s not serialisable", event.type().wire(), userId);
                return;
            }
            sockets.forEach(socket -> socket.offer(event, encoded));
        });
    }

    public Collection<Subscriber> all() {
        return byConnection.values();
    }

    public int openSockets(String userId) {
        Set<Subscriber> sockets = byUser.get(userId);
        return sockets == null ? 0 : (int) sockets.stream().filter(Subscriber::isOpen).count();
    }

    public List<String> users() {
        return List.copyOf(byUser.keySet());
    }

    /** Sockets silent for longer than the idle timeout are closed; a live client answers our pings. */
    void watchIdleSockets(@Observes StartupEvent start, Vertx vertx) {
        long timeout = config.idleTimeout().toMillis();
        long every = Math.max(250, timeout / 4);
        vertx.setPeriodic(every, tick -> {
            long now = System.currentTimeMillis();
            for (Subscriber socket : byConnection.values()) {
                if (now - socket.lastInboundMillis() > timeout) {
                    socket.closeFor(Subscriber.IDLE);
                }
            }
        });
    }
}
