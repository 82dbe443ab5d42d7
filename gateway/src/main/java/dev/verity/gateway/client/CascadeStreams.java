package dev.verity.gateway.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.SseDecoder;
import dev.verity.gateway.config.RoutesConfig;
import dev.verity.gateway.routing.Reply;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.Route;
import dev.verity.gateway.routing.StreamEvent;
import dev.verity.gateway.routing.StreamReply;
import dev.verity.runtime.rest.ProblemException;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientRequest;
import io.vertx.mutiny.core.http.HttpClientResponse;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Streamed chat completions on the LLM cascade ({@code "stream": true}, HELPER_BRIEF streaming
 * contract). A plain Vert.x client rather than the REST client: the answer is either an event
 * stream, read chunk by chunk with back-pressure (the upstream response is paused while the
 * caller is slow), or a problem body. The same policy as every other downstream call applies
 * until the stream starts (deadline, problem passed on, unreachable service marked down).
 * Cancelling the events closes the upstream connection, so the cascade stops working for a
 * caller who left.
 */
@ApplicationScoped
public class CascadeStreams {

    private static final String SERVICE = Services.LLM_CASCADE;

    private final Vertx vertx;
    private final HttpClient client;
    private final String baseUrl;
    private final ObjectMapper json;
    private final DownstreamReplies replies;

    public CascadeStreams(Vertx vertx, ObjectMapper json, DownstreamReplies replies, RoutesConfig routes,
                          @ConfigProperty(name = "quarkus.rest-client.llm-cascade.url") String baseUrl,
                          @ConfigProperty(name = "quarkus.rest-client.connect-timeout", defaultValue = "2000") int connectTimeoutMillis) {
        // A stream holds its connection until it ends: one connection per admitted stream.
        int connections = routes.routes().get(Route.COMPLETIONS.configName()).maxStreams();
        this.vertx = vertx;
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(connectTimeoutMillis),
                new PoolOptions().setHttp1MaxSize(connections));
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.json = json;
        this.replies = replies;
    }

    @PreDestroy
    void close() {
        client.closeAndAwait();
    }

    /** {@code holdStream}: the caller's {@code x-verity-hold-stream} value, forwarded when present. */
    public Uni<StreamReply> open(RequestContext ctx, JsonNode body, String holdStream) {
        Duration left = ctx.remaining();
        if (left.isZero()) {
            return Uni.createFrom().item(failure(DownstreamReplies.timeout(SERVICE, ErrorType.LLM_TIMEOUT, ctx)));
        }
        String payload;
        try {
            payload = json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(baseUrl + "/v1/chat/completions")
                .putHeader("Authorization", ctx.authorization())
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", "text/event-stream, " + Headers.PROBLEM_JSON)
                .putHeader(Headers.REQUEST_ID, ctx.requestId())
                .putHeader(Headers.REQUEST_DEADLINE, Long.toString(ctx.deadlineEpochMillis()));
        if (holdStream != null) {
            // Only this one of Verity's stream options is the caller's to choose: announced escalation
            // changes the stream's shape away from OpenAI's, so it is never forwarded from outside.
            options.putHeader(Headers.HOLD_STREAM, holdStream);
        }
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        return client.request(options)
                .chain(request -> {
                    sent.set(request);
                    return request.send(payload);
                })
                .ifNoItem().after(left).failWith(TimeoutException::new)
                .chain(response -> answer(ctx, sent.get(), response))
                .onFailure(TimeoutException.class).recoverWithItem(e -> {
                    reset(sent.get());
                    return failure(DownstreamReplies.timeout(SERVICE, ErrorType.LLM_TIMEOUT, ctx));
                })
                .onFailure().recoverWithItem(e -> failure(replies.unreachable(SERVICE, ctx, e)));
    }

    private Uni<StreamReply> answer(RequestContext ctx, HttpClientRequest request, HttpClientResponse response) {
        int status = response.statusCode();
        String type = response.getHeader("Content-Type");
        if (status == 200 && type != null && type.startsWith("text/event-stream")) {
            String requestId = response.getHeader(Headers.VERITY_REQUEST_ID);
            StreamReply.Head head = new StreamReply.Head(response.getHeader(Headers.VERITY_MODEL),
                    response.getHeader(Headers.VERITY_DEGRADED), requestId == null ? ctx.requestId() : requestId);
            return Uni.createFrom().item(new StreamReply.Started(head, events(ctx, request, response)));
        }
        return response.body().map(buffer -> status >= 200 && status < 300
                ? failure(replies.unusable(SERVICE, ctx, status))
                : failure(replies.refusal(SERVICE, ctx, status, buffer.toString())));
    }

    /**
     * The stream's {@code data:} payloads. It must end with {@code [DONE]} or an error event; a
     * stream that stops or breaks before that fails with a problem, never ends quietly. The
     * upstream call is closed at the request's deadline (nobody works past it).
     */
    private Multi<StreamEvent> events(RequestContext ctx, HttpClientRequest request, HttpClientResponse response) {
        SseDecoder sse = new SseDecoder();
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean pastDeadline = new AtomicBoolean();
        long deadline = vertx.setTimer(Math.max(1, ctx.remaining().toMillis()), id -> {
            if (!finished.get()) {
                pastDeadline.set(true);
                reset(request);
            }
        });
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        // toMulti() pauses the response at once; it reads only as fast as the caller takes events.
        return response.toMulti()
                .onItem().transformToIterable(buffer -> sse.feed(buffer.getBytes()))
                .onItem().invoke(data -> finished.set(isTerminal(data)))
                .onItem().<StreamEvent>transform(StreamEvent.Data::new)
                .onCompletion().switchTo(() -> finished.get() ? Multi.createFrom().empty()
                        : Multi.createFrom().failure(broken(ctx, "ended before the answer was complete")))
                .onFailure(e -> !(e instanceof ProblemException))
                .transform(e -> pastDeadline.get() ? pastDeadline(ctx) : broken(ctx, "broke off: " + e))
                .onTermination().invoke(() -> vertx.cancelTimer(deadline))
                // Closed after the cancellation has detached the handlers, so the reset is not reported as a failure.
                .onCancellation().invoke(() -> {
                    if (context == null) {
                        reset(request);
                    } else {
                        context.runOnContext(ignored -> reset(request));
                    }
                });
    }

    private boolean isTerminal(String data) {
        if ("[DONE]".equals(data)) {
            return true;
        }
        if (!data.contains("\"error\"")) {
            return false;
        }
        try {
            return json.readTree(data).path("error").isObject();
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    private static ProblemException broken(RequestContext ctx, String what) {
        Log.warnf("request %s: %s stream %s", ctx.requestId(), SERVICE, what);
        return new ProblemException(Problem.of(ErrorType.SERVICE_UNAVAILABLE,
                "The " + SERVICE + " service stopped streaming before the answer was complete.", Services.GATEWAY,
                ctx.user(), ctx.requestId()));
    }

    private static ProblemException pastDeadline(RequestContext ctx) {
        Log.warnf("request %s: %s stream still open at the request deadline; closed", ctx.requestId(), SERVICE);
        return new ProblemException(Problem.of(ErrorType.LLM_TIMEOUT,
                "The answer was not complete before the request deadline.", Services.GATEWAY, ctx.user(), ctx.requestId()));
    }

    private static void reset(HttpClientRequest request) {
        if (request != null) {
            request.reset();
        }
    }

    private static StreamReply failure(Reply.Failure failure) {
        return new StreamReply.Failure(failure.problem());
    }
}
