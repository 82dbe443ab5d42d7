package dev.verity.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The LLM provider for load: answers {@code POST <any>/chat/completions} after a fixed delay
 * with an OpenAI-shaped body (or its streamed form, all at once, when {@code "stream": true}).
 * Under the paced model's path ({@code /<paced>/...}) a streaming request is answered the way a
 * real provider streams instead ({@link StreamPacing}): the first chunk after a fixed delay,
 * then one content chunk per interval, then the finish chunk, a usage chunk and
 * {@code data: [DONE]}. No logging per request and precomputed chunks, so the stand-in costs as
 * little as possible and the baseline (a client calling it directly) is the provider's own latency.
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

    /**
     * How the paced model streams: {@code firstChunkMs} until the first chunk (the role and the
     * first content token), then {@code chunks - 1} more content chunks {@code intervalMs} apart.
     */
    record StreamPacing(String model, long firstChunkMs, int chunks, long intervalMs) {
    }

    private final Vertx vertx;
    private final long latencyMs;
    private final StreamPacing pacing;
    private final String pacedPrefix;
    private final List<Buffer> pacedChunks;
    private final Buffer pacedEnd;
    private final HttpServer server;
    private final AtomicLong served = new AtomicLong();

    ProviderStandIn(Vertx vertx, long latencyMs, StreamPacing pacing) {
        this.vertx = vertx;
        this.latencyMs = latencyMs;
        this.pacing = pacing;
        this.pacedPrefix = "/" + pacing.model() + "/";
        this.pacedChunks = pacedChunks(pacing.chunks());
        this.pacedEnd = Buffer.buffer(chunk("{},\"finish_reason\":\"stop\"}]}")
                + chunkData("[],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":" + pacing.chunks()
                + ",\"total_tokens\":" + (21 + pacing.chunks()) + "}}")
                + "data: [DONE]\n\n");
        this.server = Await.result(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                .requestHandler(this::handle)
                .listen(), 10);
    }

    private void handle(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            boolean stream = body.length() > 0 && Boolean.TRUE.equals(new JsonObject(body).getValue("stream"));
            if (stream && request.path().startsWith(pacedPrefix)) {
                paced(request);
                return;
            }
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

    /** Headers at once (as a provider commits its 200), then the chunks at the pacing's times. */
    private void paced(HttpServerRequest request) {
        HttpServerResponse response = request.response().setChunked(true).putHeader("content-type", "text/event-stream");
        response.writeHead();
        vertx.setTimer(Math.max(1, pacing.firstChunkMs()), id -> next(response, 0));
    }

    private void next(HttpServerResponse response, int index) {
        if (response.closed()) {
            return;
        }
        if (index == pacedChunks.size() - 1) {
            served.incrementAndGet();
            response.end(pacedChunks.get(index).copy().appendBuffer(pacedEnd));
            return;
        }
        response.write(pacedChunks.get(index));
        vertx.setTimer(Math.max(1, pacing.intervalMs()), id -> next(response, index + 1));
    }

    /** The first chunk carries the role and the first word, as OpenAI's first content chunk does; then a word each. */
    private static List<Buffer> pacedChunks(int count) {
        String[] words = "The p99 latency of your calls today was 812 ms .".split(" ");
        List<Buffer> chunks = new ArrayList<>();
        for (int i = 0; i < Math.max(1, count); i++) {
            String word = (i == 0 ? "" : " ") + words[i % words.length];
            String delta = i == 0 ? "{\"role\":\"assistant\",\"content\":\"" + word + "\"}" : "{\"content\":\"" + word + "\"}";
            chunks.add(Buffer.buffer(chunk(delta + ",\"finish_reason\":null}]}")));
        }
        return chunks;
    }

    private static String chunk(String deltaAndFinish) {
        return chunkData("[{\"index\":0,\"delta\":" + deltaAndFinish);
    }

    private static String chunkData(String choicesAndRest) {
        return "data: {\"id\":\"chatcmpl-bench-stream\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,"
                + "\"model\":\"bench\",\"choices\":" + choicesAndRest + "\n\n";
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
