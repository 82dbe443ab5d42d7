package dev.verity.gateway.client;

import dev.verity.gateway.chat.ChatRequest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Event;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.SseDecoder;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Starts a streaming run on the execution agent ({@code POST /v1/runs} with {@code stream: true})
 * and hands each SSE {@code data:} event to a listener as it arrives. A plain Vert.x
 * client rather than the REST client: a run answers either an event stream or a problem body, and
 * both must be read as they come, line by line, without buffering the whole run.
 */
@ApplicationScoped
public class AgentRunStream {

    /** What the stream reports; exactly one of problem / ended / broken closes a started stream. */
    public interface Listener {
        void event(Event event);

        /** The agent refused or failed the run with a problem response instead of a stream. */
        void problem(Problem problem);

        /** The stream ended (after or without a terminal event). */
        void ended();

        void broken(Throwable failure);
    }

    public record Call(String message, List<ChatRequest.Turn> history, String bearerToken, String requestId,
                       long deadlineEpochMillis) {
    }

    private final HttpClient client;
    private final String baseUrl;
    private final ObjectMapper json;

    public AgentRunStream(Vertx vertx, ObjectMapper json,
                          @ConfigProperty(name = "quarkus.rest-client.execution-agent.url", defaultValue = "http://localhost:8082")
                          String baseUrl) {
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000));
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.json = json;
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /** Opens the run; the returned action aborts it (the agent sees the connection go). */
    public Runnable open(Call call, Listener listener) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", call.message());
        if (!call.history().isEmpty()) {
            body.put("history", call.history());
        }
        body.put("stream", true);
        String payload;
        try {
            payload = json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            listener.broken(e);
            return () -> { };
        }
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(baseUrl + "/v1/runs")
                .putHeader("Authorization", "Bearer " + call.bearerToken())
                .putHeader("Content-Type", "application/json")
                .putHeader("Accept", "text/event-stream")
                .putHeader(Headers.REQUEST_ID, call.requestId())
                // The gateway logs the run's agent_failed itself, once, with tier handling (SocketRuns).
                .putHeader(Headers.FAILURE_EVENT, Headers.FAILURE_EVENT_BY_CALLER)
                .putHeader(Headers.REQUEST_DEADLINE, Long.toString(call.deadlineEpochMillis()));
        AtomicReference<HttpClientRequest> open = new AtomicReference<>();
        client.request(options)
                .compose(request -> {
                    open.set(request);
                    return request.send(Buffer.buffer(payload));
                })
                .onSuccess(response -> read(response, listener))
                .onFailure(listener::broken);
        return () -> {
            HttpClientRequest request = open.get();
            if (request != null) {
                request.reset();
            }
        };
    }

    private void read(HttpClientResponse response, Listener listener) {
        String type = response.getHeader("Content-Type");
        if (response.statusCode() == 200 && type != null && type.startsWith("text/event-stream")) {
            SseDecoder sse = new SseDecoder();
            response.handler(chunk -> sse.feed(chunk.getBytes()).forEach(data -> dispatch(data, listener)));
            response.exceptionHandler(listener::broken);
            response.endHandler(done -> listener.ended());
            return;
        }
        response.body()
                .onSuccess(body -> {
                    try {
                        listener.problem(json.readValue(body.toString(StandardCharsets.UTF_8), Problem.class));
                    } catch (Exception e) {
                        Log.warnf("execution agent answered %d without a problem body", response.statusCode());
                        listener.broken(new IllegalStateException("status " + response.statusCode()));
                    }
                })
                .onFailure(listener::broken);
    }

    private void dispatch(String data, Listener listener) {
        try {
            listener.event(json.readValue(data, Event.class));
        } catch (Exception e) {
            // One unreadable event is reported, never guessed at; the run's terminal event still decides.
            Log.errorf("unreadable event from the execution agent skipped: %s", e.getMessage());
        }
    }
}
