package dev.verity.gateway;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The LLM cascade's streaming side as a small Vert.x server speaking the streaming contract
 * (HELPER_BRIEF): {@code POST /v1/chat/completions} answers what the current test scripted, SSE
 * events written one by one, the last ones held back until the test opens a gate. It also
 * answers every service's status poll with {@code ready}. It notices when the gateway closes the
 * connection before the stream was ended.
 */
public class CascadeStreamStandIn implements QuarkusTestResourceLifecycleManager {

    /** How the stand-in answers one completion request. */
    interface Script {
        void answer(HttpServerRequest request, Buffer body);
    }

    static final AtomicReference<Script> SCRIPT = new AtomicReference<>();
    static final AtomicReference<String> LAST_BODY = new AtomicReference<>();
    static final AtomicReference<String> LAST_AUTHORIZATION = new AtomicReference<>();
    /** The request's {@code x-verity-hold-stream} and {@code x-verity-stream-escalation}, "absent" when not sent. */
    static final AtomicReference<String> LAST_HOLD = new AtomicReference<>();
    static final AtomicReference<String> LAST_ESCALATION = new AtomicReference<>();
    /** All scripted events were written. */
    static final AtomicBoolean SENT_ALL = new AtomicBoolean();
    /** The gateway closed the connection while the stream was still open. */
    static final AtomicBoolean CANCELLED = new AtomicBoolean();

    private Vertx vertx;

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(this::handle);
        try {
            server.listen(0, "localhost").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("stand-in did not start", e);
        }
        String base = "http://localhost:" + server.actualPort();
        return Map.of("quarkus.rest-client.llm-cascade.url", base,
                "quarkus.rest-client.execution-agent.url", base + "/agent",
                "quarkus.rest-client.data-agent.url", base + "/data");
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    static void reset() {
        SCRIPT.set(null);
        LAST_BODY.set(null);
        LAST_AUTHORIZATION.set(null);
        LAST_HOLD.set(null);
        LAST_ESCALATION.set(null);
        SENT_ALL.set(false);
        CANCELLED.set(false);
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        if (path.endsWith("/v1/status")) {
            String service = path.startsWith("/agent") ? "execution-agent" : path.startsWith("/data") ? "data-agent" : "llm-cascade";
            request.response().putHeader("Content-Type", "application/json").end("""
                    {"service":"%s","status":"ready","since":"2026-11-25T07:00:00Z","components":{}}""".formatted(service));
            return;
        }
        if (!"/v1/chat/completions".equals(path)) {
            request.response().setStatusCode(404).end();
            return;
        }
        request.body().onSuccess(body -> {
            LAST_BODY.set(body.toString());
            LAST_AUTHORIZATION.set(request.getHeader("Authorization"));
            LAST_HOLD.set(java.util.Objects.requireNonNullElse(request.getHeader("x-verity-hold-stream"), "absent"));
            LAST_ESCALATION.set(java.util.Objects.requireNonNullElse(
                    request.getHeader("x-verity-stream-escalation"), "absent"));
            SCRIPT.get().answer(request, body);
        });
    }

    /** Streams {@code first} at once, then {@code rest} once {@code gate} completes, then ends. */
    static Script streams(List<String> first, CompletableFuture<Void> gate, List<String> rest) {
        return (request, body) -> {
            HttpServerResponse response = request.response();
            response.setChunked(true).setStatusCode(200)
                    .putHeader("Content-Type", "text/event-stream")
                    .putHeader("x-verity-model", "small")
                    .putHeader("x-verity-degraded", "false")
                    .putHeader("x-verity-request-id", request.getHeader("X-Request-Id"));
            response.closeHandler(closed -> {
                if (!response.ended()) {
                    CANCELLED.set(true);
                }
            });
            first.forEach(data -> response.write("data: " + data + "\n\n"));
            var context = Vertx.currentContext();
            gate.thenRun(() -> context.runOnContext(go -> {
                if (response.closed()) {
                    return;
                }
                rest.forEach(data -> response.write("data: " + data + "\n\n"));
                SENT_ALL.set(true);
                response.end();
            }));
        };
    }

    static Script streams(List<String> all) {
        return streams(all, CompletableFuture.completedFuture(null), List.of());
    }

    /** Streams {@code events}, then the cascade's process dies: the connection closes mid-stream. */
    static Script streamsThenDies(List<String> events) {
        return (request, body) -> {
            HttpServerResponse response = request.response();
            response.setChunked(true).setStatusCode(200)
                    .putHeader("Content-Type", "text/event-stream")
                    .putHeader("x-verity-model", "small")
                    .putHeader("x-verity-degraded", "false");
            events.forEach(data -> response.write("data: " + data + "\n\n"));
            request.connection().close();
        };
    }

    static Script refuses(int status, String problem) {
        return (request, body) -> request.response().setStatusCode(status)
                .putHeader("Content-Type", "application/problem+json").end(problem);
    }

    /** The cascade's process is gone: the connection closes without an answer. */
    static Script drops() {
        return (request, body) -> request.connection().close();
    }

    // --- chunks in the cascade's shapes ---

    static String role() {
        return """
                {"id":"chatcmpl-s1","object":"chat.completion.chunk","created":1767225600,"model":"small",\
                "choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}""";
    }

    static String content(String text) {
        return """
                {"id":"chatcmpl-s1","object":"chat.completion.chunk","created":1767225600,"model":"small",\
                "choices":[{"index":0,"delta":{"content":"%s"},"finish_reason":null}]}""".formatted(text);
    }

    static String finish() {
        return """
                {"id":"chatcmpl-s1","object":"chat.completion.chunk","created":1767225600,"model":"small",\
                "choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""";
    }

    /** The final chunk, its receipt covering {@code streamedText}: every content piece before it, joined. */
    static String provenance(String streamedText) {
        return """
                {"id":"chatcmpl-s1","object":"chat.completion.chunk","created":1767225600,"model":"small","choices":[],\
                "usage":{"prompt_tokens":5,"completion_tokens":14,"total_tokens":19},"provenance":%s}""".formatted(
                TestReceipts.sign("""
                {"model":"small","provider":"openai-compatible","provider_request_id":"chatcmpl-s1",\
                "produced_at":"2026-11-25T07:00:00Z","degraded":false,"cache_hit":false,"attempts":[],\
                "usage":{"prompt_tokens":5,"completion_tokens":14},"latency_ms":120}""", streamedText));
    }

    static String upstreamError() {
        return """
                {"error":{"message":"The model provider's connection broke off mid-answer.","type":"server_error",\
                "code":"llm_upstream_error"},"problem":{"type":"urn:verity:problem:llm-upstream-error","title":"t",\
                "status":502,"detail":"The model provider's connection broke off mid-answer.","error_type":"llm_upstream_error",\
                "service":"llm-cascade","retryable":true,"retry_after_seconds":5}}""";
    }

    static String problem(String errorType, int status, boolean retryable) {
        return """
                {"type":"urn:verity:problem:%s","title":"t","status":%d,"detail":"The llm-cascade failed honestly.",\
                "error_type":"%s","service":"llm-cascade","retryable":%s%s}""".formatted(errorType.replace('_', '-'), status,
                errorType, retryable, retryable ? ",\"retry_after_seconds\":17" : "");
    }
}
