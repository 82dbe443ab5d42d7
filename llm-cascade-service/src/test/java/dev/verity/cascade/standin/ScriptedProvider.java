package dev.verity.cascade.standin;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A streaming OpenAI-compatible provider whose every byte the test scripts: chunks, waits on a
 * latch the test releases, a cut connection, a stall. WireMock can serve a whole SSE body; this
 * stand-in serves what WireMock cannot: a stream that breaks or goes silent after N chunks, and one
 * that notices when its caller hangs up. Model {@code scripted} (tier 4) points at it.
 */
public class ScriptedProvider implements QuarkusTestResourceLifecycleManager {

    public static final long IDLE_TIMEOUT_MS = 5000;

    private static final List<Call> CALLS = new CopyOnWriteArrayList<>();
    private static volatile List<Step> script = List.of();

    private Vertx vertx;

    /** One step of the provider's answer. */
    public sealed interface Step {
    }

    /** Writes these bytes as they are (for example {@code data: {…}\n\n}). */
    public record Send(String raw) implements Step {
    }

    /** Sends nothing more until the test counts this latch down. */
    public record Await(CountDownLatch latch) implements Step {
    }

    /** Closes the connection mid-body. */
    public record Cut() implements Step {
    }

    /** Ends the body normally. */
    public record End() implements Step {
    }

    /** A request as the stand-in saw it, and whether its caller closed the connection before the script ended. */
    public record Call(String body, AtomicBoolean callerClosed, AtomicBoolean finished) {
    }

    public static void script(Step... steps) {
        CALLS.clear();
        script = List.of(steps);
    }

    public static List<Call> calls() {
        return CALLS;
    }

    public static String chunk(String id, String content) {
        return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,"
                + "\"model\":\"upstream-scripted\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                + OpenAi.quote(content) + "},\"finish_reason\":null}]}\n\n";
    }

    public static String finish(String id) {
        return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,"
                + "\"model\":\"upstream-scripted\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
    }

    public static String usage(String id, int prompt, int completion) {
        return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,"
                + "\"model\":\"upstream-scripted\",\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt
                + ",\"completion_tokens\":" + completion + ",\"total_tokens\":" + (prompt + completion) + "}}\n\n";
    }

    public static final String DONE = "data: [DONE]\n\n";

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        HttpServer server;
        try {
            server = vertx.createHttpServer().requestHandler(this::serve).listen(0, "127.0.0.1")
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("scripted provider did not start", e);
        }
        String base = "http://127.0.0.1:" + server.actualPort() + "/v1";
        return Map.of(
                "verity.models.scripted.base-url", base,
                "verity.models.scripted.tier", "4",
                "verity.models.scripted.context-window", "32000",
                "verity.models.scripted.timeout", "3s",
                "verity.models.scripted.stream-idle-timeout", IDLE_TIMEOUT_MS + "ms");
    }

    private void serve(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            Call call = new Call(body.toString(), new AtomicBoolean(), new AtomicBoolean());
            CALLS.add(call);
            HttpServerResponse response = request.response().setChunked(true)
                    .putHeader("Content-Type", "text/event-stream");
            request.connection().closeHandler(closed -> call.callerClosed().set(!call.finished().get()));
            List<Step> steps = script;
            // Latches are awaited off the event loop; Vert.x accepts writes from any thread.
            Thread.ofVirtual().start(() -> play(steps, request, response, call));
        });
    }

    private static void play(List<Step> steps, HttpServerRequest request, HttpServerResponse response, Call call) {
        for (Step step : steps) {
            switch (step) {
                case Send send -> response.write(send.raw());
                case Await await -> {
                    try {
                        if (!await.latch().await(30, TimeUnit.SECONDS)) {
                            return;
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                case Cut cut -> {
                    request.connection().close();
                    return;
                }
                case End end -> {
                    call.finished().set(true);
                    response.end();
                    return;
                }
            }
        }
        // A script without End or Cut stalls here: the connection stays open and silent.
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
