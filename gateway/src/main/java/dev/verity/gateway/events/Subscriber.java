package dev.verity.gateway.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Event;
import dev.verity.contract.Problem;
import dev.verity.contract.UserContext;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One open socket and what it has been sent. Every event reaches it through {@link #offer}, from
 * whichever source saw it first (Redis pub/sub, a run stream on this replica, a resume replay), and
 * leaves at most once, in arrival order: copies are dropped by {@code event_id}, and nothing of a
 * run is sent after that run's terminal event. Writes not yet on the network are counted; a client
 * that lets them pile up past the configured buffer is disconnected instead of growing memory.
 */
public final class Subscriber {

    /** Policy violation: the WebSocket close code for "this client broke the rules of the endpoint". */
    static final int POLICY = 1008;
    static final String SLOW_CONSUMER = "send buffer full: the client does not read its events";
    static final String IDLE = "idle timeout: no message or pong within the allowed time";

    private final WebSocketConnection connection;
    private final UserContext user;
    private final String bearerToken;
    private final ObjectMapper json;
    private final long sendBufferBytes;
    private final int dedupeWindow;
    private final LinkedHashSet<String> recent = new LinkedHashSet<>();
    /** Finished runs and the id of their terminal event. */
    private final Map<String, String> finishedRuns = new LinkedHashMap<>();
    private final Map<String, String> clientRefs = new LinkedHashMap<>();
    private final AtomicInteger activeRuns = new AtomicInteger();
    private long pendingBytes;
    private boolean closing;
    private List<Outgoing> heldDuringResume;
    private volatile long lastInboundMillis = System.currentTimeMillis();

    Subscriber(WebSocketConnection connection, UserContext user, String bearerToken, ObjectMapper json,
               long sendBufferBytes, int dedupeWindow) {
        this.connection = connection;
        this.user = user;
        this.bearerToken = bearerToken;
        this.json = json;
        this.sendBufferBytes = sendBufferBytes;
        this.dedupeWindow = dedupeWindow;
    }

    public String id() {
        return connection.id();
    }

    public UserContext user() {
        return user;
    }

    public String userId() {
        return user.userId();
    }

    String bearerToken() {
        return bearerToken;
    }

    AtomicInteger activeRuns() {
        return activeRuns;
    }

    void touched() {
        lastInboundMillis = System.currentTimeMillis();
    }

    long lastInboundMillis() {
        return lastInboundMillis;
    }

    public synchronized boolean isOpen() {
        return !closing && connection.isOpen();
    }

    /** Events of this run reaching this socket carry the client's reference. */
    synchronized void expectRun(String requestId, String clientRef) {
        if (clientRef != null) {
            clientRefs.put(requestId, clientRef);
            trim(clientRefs.keySet(), dedupeWindow);
        }
    }

    /** An event and, when the sender encoded it once for many sockets, its JSON text. */
    private record Outgoing(Event event, String encoded) {
    }

    public synchronized void offer(Event event) {
        offer(event, null);
    }

    /**
     * {@code encoded} is {@code event} as JSON, made once by a caller sending the same event to many
     * sockets; it is written as is unless this socket has to change the event (its client reference).
     */
    synchronized void offer(Event event, String encoded) {
        if (heldDuringResume != null) {
            heldDuringResume.add(new Outgoing(event, encoded));
            if (heldDuringResume.size() > dedupeWindow) {
                // Live events piling up behind a replay are as much a slow consumer as a full buffer.
                closeFor(SLOW_CONSUMER);
            }
            return;
        }
        emit(event, encoded);
    }

    /** Live events wait while a replay is sent, so the client sees history before what followed it. */
    synchronized void holdLiveEvents() {
        if (heldDuringResume == null) {
            heldDuringResume = new ArrayList<>();
        }
    }

    synchronized void replay(List<Event> history) {
        history.forEach(event -> emit(event, null));
    }

    synchronized void releaseLiveEvents() {
        List<Outgoing> held = heldDuringResume;
        heldDuringResume = null;
        if (held != null) {
            held.forEach(outgoing -> emit(outgoing.event(), outgoing.encoded()));
        }
    }

    private void emit(Event event, String encoded) {
        String run = event.requestId();
        boolean runEvent = run != null && !isStatusEvent(event);
        if (runEvent && finishedRuns.containsKey(run) && !before(event.eventId(), finishedRuns.get(run))) {
            Log.debugf("dropped %s of finished run %s for socket %s", event.type().wire(), run, id());
            return;
        }
        if (event.eventId() != null) {
            String key = event.eventId() + '|' + run;
            if (!recent.add(key)) {
                return;
            }
            trim(recent, dedupeWindow);
        }
        Event outgoing = event;
        String ref = run == null ? null : clientRefs.get(run);
        if (ref != null) {
            outgoing = event.withClientRef(ref);
        } else if (event.clientRef() != null) {
            // A reference belongs to the socket that started the run; other sockets never see it.
            outgoing = event.withClientRef(null);
        }
        if (runEvent && event.type().isTerminal()) {
            finishedRuns.put(run, event.eventId());
            trim(finishedRuns.keySet(), dedupeWindow);
            clientRefs.remove(run);
        }
        if (encoded != null && outgoing == event) {
            write(encoded);
        } else {
            send(outgoing);
        }
    }

    void sendProblem(Problem problem) {
        sendFrame(Map.of("type", "error", "problem", problem));
    }

    synchronized void sendFrame(Object frame) {
        try {
            write(json.writeValueAsString(frame));
        } catch (JsonProcessingException e) {
            Log.errorf(e, "frame for socket %s not serialisable", id());
        }
    }

    private void send(Event event) {
        try {
            write(json.writeValueAsString(event));
        } catch (JsonProcessingException e) {
            Log.errorf(e, "event %s for socket %s not serialisable", event.eventId(), id());
        }
    }

    private void write(String text) {
        if (closing || !connection.isOpen()) {
            return;
        }
        long size = text.length();
        if (pendingBytes + size > sendBufferBytes) {
            closeFor(SLOW_CONSUMER);
            return;
        }
        pendingBytes += size;
        connection.sendText(text).subscribe().with(done -> written(size), failure -> written(size));
    }

    private synchronized void written(long size) {
        pendingBytes -= size;
    }

    synchronized void closeFor(String reason) {
        if (closing) {
            return;
        }
        closing = true;
        heldDuringResume = null;
        Log.infof("closing socket %s of user %s: %s", id(), userId(), reason);
        connection.close(new CloseReason(POLICY, reason)).subscribe().with(
                done -> { },
                failure -> Log.debugf("socket %s already gone: %s", id(), failure.getMessage()));
    }

    /**
     * Whether a late event of a finished run was emitted before its terminal event: a replay may
     * bring those after the terminal arrived live, and they are the user's history, not chatter
     * after the end. Without comparable ids nothing passes.
     */
    private static boolean before(String eventId, String terminalId) {
        if (!StreamId.isValid(eventId) || !StreamId.isValid(terminalId)) {
            return false;
        }
        return StreamId.parse(eventId).compareTo(StreamId.parse(terminalId)) < 0;
    }

    private static boolean isStatusEvent(Event event) {
        return switch (event.type()) {
            case SERVICE_INITIALIZING, SERVICE_READY, SERVICE_DEGRADED, SERVICE_UNAVAILABLE -> true;
            default -> false;
        };
    }

    private static void trim(java.util.Collection<String> window, int max) {
        var iterator = window.iterator();
        while (window.size() > max && iterator.hasNext()) {
            iterator.next();
            iterator.remove();
        }
    }
}
