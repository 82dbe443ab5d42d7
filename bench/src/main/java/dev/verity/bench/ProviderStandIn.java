package dev.verity.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The LLM provider for load: answers {@code POST <any>/chat/completions} after a fixed delay
 * with an OpenAI-shaped body (or its streamed form when {@code "stream": true}). No logging per
 * request and one precomputed body, so the stand-in costs as little as possible and the baseline
 * (a client calling it directly) is the provider's own latency.
 */
final class ProviderStandIn implements AutoCloseable {

    private static final Buffer ANSWER = Buffer.buffer("""
            {"id":"chatcmpl-bench","object":"chat.completion","created":1764000000,"model":"bench",\
            "choices":[{"index":0,"message":{"role":"assistant","content":"The p99 latency of your calls today was 812 ms."},\
            "finish_reason":"stop"}],"usage":{"prompt_tokens":21,"completion_tokens":12,"total_tokens":33}}""");
    private static final Buffer STREAM = Buffer.buffer("""
            data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1764000000,"model":"bench",\
            "choices":[{"index":0,"delta":{"role":"assistant","content":"The p99 latency of your calls today was 812 ms."},\
            "finish_reason":null}]}

            data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1764000000,"model":"bench",\
            "choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

            data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1764000000,"model":"bench",\
            "choices":[],"usage":{"prompt_tokens":21,"completion_tokens":12,"total_tokens":33}}

            data: [DONE]

            """);

    private final Vertx vertx;
    private final long latencyMs;
    private final HttpServer server;
    private final AtomicLong served = new AtomicLong();

    ProviderStandIn(Vertx vertx, long latencyMs) {
        this.vertx = vertx;
        this.latencyMs = latencyMs;
        this.server = Await.result(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                .requestHandler(this::handle)
                .listen(), 10);
    }

    private void handle(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            boolean stream = body.length() > 0 && Boolean.TRUE.equals(new JsonObject(body).getValue("stream"));
            Runnable answer = () -> {
                served.incrementAndGet();
                request.response()
                        .putHeader("content-type", stream ? "text/event-stream" : "application/json")
                        .end(stream ? STREAM : ANSWER);
            };
            if (latencyMs <= 0) {
                answer.run();
            } else {
                vertx.setTimer(latencyMs, id -> answer.run());
            }
        });
    }

    int port() {
        return server.actualPort();
    }

    /** Base URL of a model served here (the path only names it; every path answers alike). */
    String baseUrl(String model) {
        return "http://127.0.0.1:" + port() + "/" + model + "/v1";
    }

    long latencyMs() {
        return latencyMs;
    }

    long served() {
        return served.get();
    }

    @Override
    public void close() {
        Await.result(server.close(), 10);
    }
}
