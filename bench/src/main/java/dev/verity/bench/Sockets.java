package dev.verity.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Authenticated WebSocket listeners on the gateway's {@code /ws/v1/events}; each remembers every
 * event it received with the local receive time, so fan-out delays can be read afterwards.
 */
final class Sockets implements AutoCloseable {

    /**
     * An event as one socket received it. The arrival time is taken before anything else and the
     * text is parsed only when read: at 10,000 sockets the bench's own JSON parsing on its shared
     * event loops would otherwise be counted as the gateway's fan-out.
     */
    static final class Received {
        private final String text;
        private final long receivedNanos;
        private final Instant receivedAt;
        private JsonObject event;

        Received(String text, long receivedNanos, Instant receivedAt) {
            this.text = text;
            this.receivedNanos = receivedNanos;
            this.receivedAt = receivedAt;
        }

        synchronized JsonObject event() {
            if (event == null) {
                event = new JsonObject(text);
            }
            return event;
        }

        long receivedNanos() {
            return receivedNanos;
        }

        Instant receivedAt() {
            return receivedAt;
        }
    }

    static final class Listener {
        final ConcurrentLinkedQueue<Received> events = new ConcurrentLinkedQueue<>();
        WebSocket socket;

        /** The first event matching, if any arrived. */
        Received first(Predicate<JsonObject> match) {
            for (Received received : events) {
                if (match.test(received.event())) {
                    return received;
                }
            }
            return null;
        }
    }

    private final WebSocketClient client;
    private final URI gateway;
    private final List<Listener> listeners = new ArrayList<>();

    Sockets(Vertx vertx, String gatewayUrl) {
        this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(50_000)
                .setConnectTimeout(30_000));
        this.gateway = URI.create(gatewayUrl);
    }

    /** Opens sockets until {@code total} are open, {@code batch} connects in flight at a time. */
    void openUpTo(int total, java.util.function.IntFunction<String> tokenOf, int batch) {
        while (listeners.size() < total) {
            int from = listeners.size();
            int to = Math.min(total, from + batch);
            List<Future<WebSocket>> opening = new ArrayList<>();
            List<Listener> opened = new ArrayList<>();
            for (int i = from; i < to; i++) {
                Listener listener = new Listener();
                opened.add(listener);
                WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(gateway.getHost())
                        .setPort(gateway.getPort()).setURI("/ws/v1/events")
                        .addHeader("Authorization", "Bearer " + tokenOf.apply(i));
                opening.add(client.connect(options).onSuccess(socket -> {
                    listener.socket = socket;
                    socket.textMessageHandler(text -> {
                        long nanos = System.nanoTime();
                        listener.events.add(new Received(text, nanos, Instant.now()));
                    });
                }));
            }
            Await.result(Future.all(opening), 120);
            listeners.addAll(opened);
        }
    }

    List<Listener> listeners() {
        return listeners;
    }

    int size() {
        return listeners.size();
    }

    /** Forgets what was received so far (before a new measurement). */
    void clearEvents() {
        listeners.forEach(listener -> listener.events.clear());
    }

    /** How many sockets have received an event matching. */
    long countReceived(Predicate<JsonObject> match) {
        return listeners.stream().filter(listener -> listener.first(match) != null).count();
    }

    @Override
    public void close() {
        List<Future<Void>> closing = new ArrayList<>();
        for (Listener listener : listeners) {
            if (listener.socket != null) {
                closing.add(listener.socket.close());
            }
        }
        Await.result(Future.join(closing), 30);
        client.close();
    }
}
