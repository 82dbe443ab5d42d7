package dev.verity.gateway.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import dev.verity.gateway.guard.RunEventCheck;
import dev.verity.runtime.security.Callers;
import io.quarkus.logging.Log;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnPongMessage;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * {@code /ws/v1/events}: a user's live events. The HTTP upgrade is authenticated with
 * the same JWT as the HTTP API ({@code Authorization: Bearer …}, or for browsers the
 * {@code quarkus-http-upgrade#Authorization#Bearer <token>} sub-protocol), so a missing, expired or
 * forged token never gets a socket; the socket closes when the token expires ({@link TokenLifetime}).
 * A reconnecting client resumes either with {@code ?after=<event_id>} on the upgrade (history first,
 * then live events, nothing in between is lost or reordered) or with a {@code resume} message.
 */
@Authenticated
@WebSocket(path = EventSocket.PATH)
public class EventSocket {

    public static final String PATH = "/ws/v1/events";

    private final Subscribers subscribers;
    private final SocketRuns runs;
    private final EventLogStore log;
    private final StatusEvents status;
    private final EventsConfig config;
    private final ObjectMapper json;
    private final SecurityIdentity identity;
    private final RunEventCheck check;

    public EventSocket(Subscribers subscribers, SocketRuns runs, EventLogStore log, StatusEvents status,
                       EventsConfig config, ObjectMapper json, SecurityIdentity identity, RunEventCheck check) {
        this.subscribers = subscribers;
        this.runs = runs;
        this.log = log;
        this.status = status;
        this.config = config;
        this.json = json;
        this.identity = identity;
        this.check = check;
    }

    @OnOpen
    @NonBlocking
    void open(WebSocketConnection connection) {
        if (!(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            connection.close(new CloseReason(Subscriber.POLICY, "authentication required")).subscribe().with(v -> { }, e -> { });
            return;
        }
        UserContext user;
        try {
            user = Callers.of(jwt);
        } catch (RuntimeException e) {
            connection.close(new CloseReason(Subscriber.POLICY, "the token names no user or org")).subscribe().with(v -> { }, f -> { });
            return;
        }
        Subscriber socket = new Subscriber(connection, user, jwt.getRawToken(), json,
                config.sendBuffer().asLongValue(), config.dedupeWindow());
        String after = queryParameter(connection.handshakeRequest().query(), "after");
        if (after != null && StreamId.isValid(after)) {
            // Resuming from the upgrade leaves no gap: live events wait from the first moment on.
            socket.holdLiveEvents();
        }
        subscribers.add(socket);
        status.tellCurrentState(socket);
        if (after != null) {
            if (StreamId.isValid(after)) {
                resume(socket, after);
            } else {
                socket.sendProblem(Problem.of(ErrorType.INVALID_REQUEST,
                        "Query parameter 'after' must be an event_id you received, like '1732520000000-0'.",
                        Services.GATEWAY, user, UUID.randomUUID().toString()));
            }
        }
    }

    private static String queryParameter(String query, String name) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @OnTextMessage
    @NonBlocking
    void message(String text, WebSocketConnection connection) {
        Subscriber socket = subscribers.get(connection.id());
        if (socket == null) {
            return;
        }
        socket.touched();
        switch (ClientMessage.parse(text, json)) {
            case ClientMessage.Run run -> runs.start(socket, run);
            case ClientMessage.Resume resume -> resume(socket, resume.after());
            case ClientMessage.Invalid invalid -> socket.sendProblem(Problem.of(ErrorType.INVALID_REQUEST,
                    invalid.detail(), Services.GATEWAY, socket.user(), UUID.randomUUID().toString()));
        }
    }

    @OnPongMessage
    void pong(Buffer data, WebSocketConnection connection) {
        Subscriber socket = subscribers.get(connection.id());
        if (socket != null) {
            socket.touched();
        }
    }

    @OnClose
    void close(WebSocketConnection connection) {
        subscribers.remove(connection.id());
    }

    @OnError
    void error(Throwable failure, WebSocketConnection connection) {
        if (connection.isClosed()) {
            Log.debugf("socket %s gone: %s", connection.id(), failure.getMessage());
            return;
        }
        // Never a dropped connection for a bad message: log it, answer with a problem, keep the socket.
        String requestId = UUID.randomUUID().toString();
        Log.errorf(failure, "socket %s failed handling a message, request %s", connection.id(), requestId);
        Subscriber socket = subscribers.get(connection.id());
        if (socket != null) {
            socket.sendProblem(Problem.of(ErrorType.INTERNAL_ERROR,
                    "The message could not be handled. The failure is logged under this request id.",
                    Services.GATEWAY, socket.user(), requestId));
        }
    }

    /** Replays the user's own log after {@code after}; another user's id reads only this user's stream. */
    private void resume(Subscriber socket, String after) {
        socket.holdLiveEvents();
        log.after(socket.userId(), after, config.resumeLimit()).subscribe().with(page -> {
            // The log holds events as their producers wrote them; a replay is held to the receipt like a live event.
            socket.replay(page.events().stream().map(check::deliverable).toList());
            socket.releaseLiveEvents();
            Map<String, Object> done = new LinkedHashMap<>();
            done.put("type", "resumed");
            done.put("after", after);
            done.put("replayed", page.events().size());
            if (!page.events().isEmpty()) {
                done.put("last_event_id", page.events().getLast().eventId());
            }
            done.put("more", page.more());
            socket.sendFrame(done);
        }, failure -> {
            socket.releaseLiveEvents();
            Log.warnf("resume for %s failed: %s", socket.userId(), failure.getMessage());
            socket.sendProblem(Problem.of(ErrorType.SERVICE_UNAVAILABLE,
                    "Resume is unavailable right now: the event history cannot be read. Live events of runs on this"
                            + " connection keep arriving; try resuming again later.",
                    Services.GATEWAY, socket.user(), UUID.randomUUID().toString()));
        });
    }
}
