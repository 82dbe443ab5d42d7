package dev.verity.gateway.events;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OpenConnections;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * On shutdown every open socket is closed with 1001 "going away" and a reason, so a
 * client knows to reconnect (to another replica) and resume after its last event_id, instead of
 * seeing the connection drop. Sockets stay open while the pod still serves during
 * {@code quarkus.shutdown.delay}, and are closed when the drain begins; whatever is still open when
 * the application stops is closed then, and the stop waits briefly for the close frames to leave.
 */
@ApplicationScoped
public class GoingAway {

    /** RFC 6455 §7.4.1: the endpoint is going away (server shutting down). */
    static final int GOING_AWAY = 1001;
    static final String REASON = "server shutting down: reconnect and resume after your last event_id";
    private static final Duration FLUSH = Duration.ofSeconds(2);

    private final OpenConnections connections;
    private final Vertx vertx;
    private final Duration delay;

    public GoingAway(OpenConnections connections, Vertx vertx,
                     @ConfigProperty(name = "quarkus.shutdown.delay") Optional<Duration> delay) {
        this.connections = connections;
        this.vertx = vertx;
        this.delay = delay.orElse(Duration.ZERO);
    }

    void shutdownStarted(@Observes ShutdownDelayInitiatedEvent event) {
        if (delay.toMillis() > 0) {
            vertx.setTimer(delay.toMillis(), tick -> closeAll().subscribe().with(done -> { }, failure -> { }));
        } else {
            closeAll().await().atMost(FLUSH);
        }
    }

    void stopped(@Observes ShutdownEvent event) {
        try {
            closeAll().await().atMost(FLUSH);
        } catch (RuntimeException e) {
            Log.warnf("not every socket confirmed its close before the stop: %s", e.getMessage());
        }
    }

    private Uni<Void> closeAll() {
        List<WebSocketConnection> open = connections.listAll().stream().filter(WebSocketConnection::isOpen).toList();
        if (open.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Log.infof("closing %d sockets: going away", open.size());
        List<Uni<Void>> closing = open.stream()
                .map(connection -> connection.close(new CloseReason(GOING_AWAY, REASON))
                        .onFailure().recoverWithNull())
                .toList();
        return Uni.join().all(closing).andCollectFailures().replaceWithVoid();
    }
}
