package dev.verity.agent.support;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cascade stand-in's front door: WireMock decides every answer (matching, scenarios, delays,
 * faults, recorded requests) and this small Vert.x server hands it to the agent the way the real
 * cascade streams. An event stream goes out one event per write; a stub header says how the
 * stream ends instead of cleanly, which WireMock alone cannot express:
 * {@value #CUT} (the connection drops after the events, no end of body), {@value #HOLD} (the
 * stream stays open until the agent leaves, which is counted) or {@value #PAUSE} followed by an
 * event count (that many events go out, the rest only once the test calls {@link #resume()}).
 */
final class StreamingRelay {

    static final String THEN = "X-Stand-In-Then";
    static final String CUT = "cut";
    static final String HOLD = "hold";
    static final String PAUSE = "pause-after:";
    private static final Set<String> HOP_BY_HOP = Set.of("content-length", "transfer-encoding", "connection",
            THEN.toLowerCase());

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient client = vertx.createHttpClient();
    private final int wireMockPort;
    private final HttpServer server;
    private final AtomicInteger heldStreamsLeft = new AtomicInteger();
    /** The rest of each paused stream, to be written when the test resumes them. */
    private final Queue<Runnable> paused = new ConcurrentLinkedQueue<>();

    StreamingRelay(int wireMockPort) {
        this.wireMockPort = wireMockPort;
        try {
            this.server = vertx.createHttpServer().requestHandler(this::relay).listen(0, "localhost")
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("stand-in relay did not start", e);
        }
    }

    String baseUrl() {
        return "http://localhost:" + server.actualPort();
    }

    /** How many held streams the agent closed from its side. */
    int heldStreamsLeft() {
        return heldStreamsLeft.get();
    }

    /** How many streams are paused, their first events sent. */
    int pausedStreams() {
        return paused.size();
    }

    /** Every paused stream sends the rest of its events and ends cleanly. */
    void resume() {
        for (Runnable rest = paused.poll(); rest != null; rest = paused.poll()) {
            rest.run();
        }
    }

    void reset() {
        heldStreamsLeft.set(0);
        paused.clear();
    }

    void stop() {
        vertx.close();
    }

    private void relay(HttpServerRequest request) {
        request.body().compose(body -> {
            RequestOptions options = new RequestOptions().setMethod(request.method()).setHost("localhost")
                    .setPort(wireMockPort).setURI(request.uri());
            request.headers().forEach(header -> {
                if (!HOP_BY_HOP.contains(header.getKey().toLowerCase()) && !header.getKey().equalsIgnoreCase("host")) {
                    options.addHeader(header.getKey(), header.getValue());
                }
            });
            return client.request(options).compose(outbound -> outbound.send(body))
                    .compose(answer -> answer.body().map(answerBody -> {
                        answerWith(request, answer, answerBody);
                        return null;
                    }));
        }).onFailure(e -> request.connection().close()); // WireMock's own faults reach the agent as a dropped connection
    }

    private void answerWith(HttpServerRequest request, HttpClientResponse answer, Buffer body) {
        HttpServerResponse response = request.response();
        response.setStatusCode(answer.statusCode());
        answer.headers().forEach(header -> {
            if (!HOP_BY_HOP.contains(header.getKey().toLowerCase())) {
                response.putHeader(header.getKey(), header.getValue());
            }
        });
        String contentType = answer.getHeader("Content-Type");
        if (contentType == null || !contentType.startsWith("text/event-stream")) {
            response.end(body);
            return;
        }
        String then = answer.getHeader(THEN);
        response.setChunked(true);
        String[] events = body.toString().split("(?<=\n\n)");
        int sentNow = then != null && then.startsWith(PAUSE) ? Integer.parseInt(then.substring(PAUSE.length())) : events.length;
        Future<Void> written = Future.succeededFuture();
        for (int i = 0; i < sentNow; i++) {
            written = response.write(events[i]);
        }
        if (sentNow < events.length) {
            Context context = Vertx.currentContext();
            paused.add(() -> context.runOnContext(go -> {
                for (int i = sentNow; i < events.length; i++) {
                    response.write(events[i]);
                }
                response.end();
            }));
            return;
        }
        if (CUT.equals(then)) {
            // Once everything before it is on the wire: the body never ends, the connection just drops.
            written.onComplete(done -> request.connection().close());
        } else if (HOLD.equals(then)) {
            response.closeHandler(closed -> heldStreamsLeft.incrementAndGet());
        } else {
            response.end();
        }
    }
}
