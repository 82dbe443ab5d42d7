package dev.verity.gateway.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** A real WebSocket client (java.net.http) that records every frame it receives and how it closed. */
final class SocketClient implements WebSocket.Listener, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private final boolean reading;
    volatile Integer closeCode;
    volatile String closeReason;
    volatile Throwable error;
    private WebSocket socket;

    private SocketClient(boolean reading) {
        this.reading = reading;
    }

    static URI uri(URI http) {
        return URI.create(http.toString().replaceFirst("^http", "ws"));
    }

    /** Connects with {@code Authorization: Bearer}. */
    static SocketClient connect(URI endpoint, String token) {
        return open(endpoint, token, true, false);
    }

    /** Connects like a browser: the token rides in Sec-WebSocket-Protocol. */
    static SocketClient connectWithSubprotocol(URI endpoint, String token) {
        return open(endpoint, token, true, true);
    }

    /** A client that never reads what it is sent (until {@link #startReading()}). */
    static SocketClient connectStalled(URI endpoint, String token) {
        return open(endpoint, token, false, false);
    }

    /** The HTTP status the upgrade was refused with, or fails when the upgrade succeeded. */
    static int refusedStatus(URI endpoint, String token) {
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        try {
            WebSocket ws = builder.buildAsync(uri(endpoint), new WebSocket.Listener() { }).get(10, TimeUnit.SECONDS);
            ws.abort();
            throw new AssertionError("upgrade was accepted");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw new AssertionError("upgrade failed without an HTTP answer", e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static SocketClient open(URI endpoint, String token, boolean reading, boolean viaSubprotocol) {
        SocketClient client = new SocketClient(reading);
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (viaSubprotocol) {
            String carrier = "quarkus-http-upgrade%23Authorization%23Bearer%20" + token;
            builder.subprotocols("bearer-token-carrier", carrier);
        } else {
            builder.header("Authorization", "Bearer " + token);
        }
        try {
            client.socket = builder.buildAsync(uri(endpoint), client).get(10, TimeUnit.SECONDS);
            return client;
        } catch (Exception e) {
            throw new AssertionError("could not connect: " + e, e);
        }
    }

    String subprotocol() {
        return socket.getSubprotocol();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(reading ? 1 : 0);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                frames.add(JSON.readTree(partial.toString()));
            } catch (Exception e) {
                error = e;
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode = statusCode;
        closeReason = reason;
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable failure) {
        error = failure;
    }

    void startReading() {
        socket.request(Long.MAX_VALUE);
    }

    void send(String text) {
        socket.sendText(text, true).join();
    }

    void sendRun(String message, String clientRef) {
        send("{\"type\":\"run\",\"message\":\"" + message + "\",\"client_ref\":\"" + clientRef + "\"}");
    }

    void sendResume(String after) {
        send("{\"type\":\"resume\",\"after\":\"" + after + "\"}");
    }

    boolean isClosed() {
        return closeCode != null || error != null || socket.isInputClosed();
    }

    /** Run and queue events (frames with an event type), in arrival order. */
    List<JsonNode> events() {
        return frames.stream().filter(f -> f.has("service")).collect(Collectors.toList());
    }

    List<JsonNode> eventsOf(String requestId) {
        return events().stream().filter(f -> requestId.equals(f.path("request_id").asText())).collect(Collectors.toList());
    }

    List<JsonNode> framesOfType(String type) {
        return frames.stream().filter(f -> type.equals(f.path("type").asText())).collect(Collectors.toList());
    }

    List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.path("type").asText()).collect(Collectors.toList());
    }

    @Override
    public void close() {
        if (socket != null && !socket.isOutputClosed()) {
            try {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                socket.abort();
            }
        }
    }

    void abort() {
        socket.abort();
    }
}
