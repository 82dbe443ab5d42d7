package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A user's {@code /ws/v1/events} socket on one gateway (java.net.http). Every frame received is
 * scanned like every HTTP body, then kept in arrival order.
 */
final class EventStream implements WebSocket.Listener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;
    volatile Integer closeCode;
    volatile Throwable error;

    static EventStream open(String gatewayUrl, String token) {
        return open(gatewayUrl, token, null);
    }

    /** Opens resuming after {@code afterEventId}: history first, then live events. */
    static EventStream open(String gatewayUrl, String token, String afterEventId) {
        EventStream stream = new EventStream();
        URI uri = URI.create(gatewayUrl.replaceFirst("^http", "ws") + "/ws/v1/events"
                + (afterEventId == null ? "" : "?after=" + afterEventId));
        try {
            stream.socket = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + token)
                    .buildAsync(uri, stream).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no socket on " + gatewayUrl + ": " + e, e);
        }
        return stream;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            assertThat(Scanner.violations(text)).as("frame on the events socket").isEmpty();
            try {
                frames.add(JSON.readTree(text));
            } catch (Exception e) {
                throw new AssertionError("frame is not JSON: " + text, e);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode = statusCode;
        return null;
    }

    /** The connection broke (the gateway went away) without a close handshake. */
    @Override
    public void onError(WebSocket webSocket, Throwable failure) {
        error = failure;
    }

    /** Whether the socket is gone, closed by the server or broken. */
    boolean ended() {
        return closeCode != null || error != null;
    }

    /** The id of the last logged event received, for resuming after it. */
    String lastEventId() {
        List<JsonNode> logged = frames.stream().filter(f -> f.hasNonNull("event_id")).toList();
        return logged.isEmpty() ? null : logged.getLast().path("event_id").asText();
    }

    /** The terminal events ({@code agent_completed} / {@code agent_failed}) of one run. */
    List<JsonNode> terminalsOf(String requestId) {
        return ofRequest(requestId).stream()
                .filter(f -> Set.of("agent_completed", "agent_failed").contains(f.path("type").asText()))
                .collect(Collectors.toList());
    }

    /** Whether a service event of this type for this service arrived. */
    boolean announced(String type, String service) {
        return ofType(type).stream().anyMatch(e -> service.equals(e.path("data").path("service").asText()));
    }

    void send(String text) {
        socket.sendText(text, true).join();
    }

    void run(String message, String clientRef) {
        send("{\"type\":\"run\",\"message\":\"" + message + "\",\"client_ref\":\"" + clientRef + "\"}");
    }

    void resume(String after) {
        send("{\"type\":\"resume\",\"after\":\"" + after + "\"}");
    }

    List<JsonNode> ofType(String type) {
        return frames.stream().filter(f -> type.equals(f.path("type").asText())).collect(Collectors.toList());
    }

    List<JsonNode> ofRequest(String requestId) {
        return frames.stream().filter(f -> requestId.equals(f.path("request_id").asText())).collect(Collectors.toList());
    }

    static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.path("type").asText()).collect(Collectors.toList());
    }

    /** The run's steps: its events without the token deltas that stream the answer in. */
    static List<String> steps(List<JsonNode> events) {
        return types(events.stream().filter(e -> !e.path("data").has("delta")).toList());
    }

    static List<String> ids(List<JsonNode> events) {
        return events.stream().map(e -> e.path("event_id").asText()).collect(Collectors.toList());
    }

    void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            socket.abort();
        }
    }
}
