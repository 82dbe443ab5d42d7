package dev.verity.cascade.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.SseDecoder;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientRequest;
import io.vertx.mutiny.core.http.HttpClientResponse;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Posts chat-completion requests to OpenAI-compatible providers over the Vert.x Mutiny web client
 * (non-blocking) and classifies every outcome: a {@link ProviderReply} that passed the
 * protocol checks, or a failed {@link Uni} carrying a {@link ProviderFault}. Streamed completions
 * ({@link #stream}) come over the same connection pool as a back-pressured {@link Multi} of chunks.
 * Timeouts, retries and the breaker are the caller's policy ({@code ModelGuards}); this class only
 * speaks the protocol.
 */
@ApplicationScoped
public class ChatClient {

    private final Vertx vertx;
    private final CompletionBodies bodies;
    private final Map<String, HttpClient> pools = new ConcurrentHashMap<>();
    private final Map<String, WebClient> clients = new ConcurrentHashMap<>();

    public ChatClient(Vertx vertx, ObjectMapper json) {
        this.vertx = vertx;
        this.bodies = new CompletionBodies(json);
    }

    public Uni<ProviderReply> complete(ModelSpec model, ObjectNode body, String requestId) {
        var request = client(model).postAbs(model.completionsUrl())
                .putHeader(HttpHeaders.CONTENT_TYPE.toString(), "application/json")
                .putHeader(HttpHeaders.ACCEPT.toString(), "application/json")
                // Backstop only: the guard's timeout ends the attempt; this frees the connection.
                .idleTimeout(model.timeout().plus(Duration.ofSeconds(1)).toMillis());
        model.apiKey().ifPresent(key -> request.putHeader(HttpHeaders.AUTHORIZATION.toString(), "Bearer " + key));
        return request.sendBuffer(Buffer.buffer(body.toString()))
                .onFailure().transform(e -> e instanceof ProviderFault ? e : ProviderFault.connection(describe(e)))
                .map(response -> classify(model, response, requestId));
    }

    /** Creates the model's connection pool up front, so the first user request does not pay for it. */
    public void prepare(ModelSpec model) {
        client(model);
    }

    /**
     * The provider's chat completion streamed ({@code "stream": true} in {@code body}): one item per
     * {@code chat.completion.chunk}, in order, pulled from the socket only as fast as they are
     * requested. Completes after the provider's {@code [DONE]}; fails with a {@link ProviderFault}
     * when the provider refuses the request (classified as in {@link #complete}), the connection
     * fails or is cut before {@code [DONE]}, a chunk is not a chunk, or the provider sends an error
     * event. Cancelling the subscription, or any failure, resets the upstream request, so no
     * provider call outlives its caller.
     */
    public Multi<JsonNode> stream(ModelSpec model, ObjectNode body, String requestId) {
        return Multi.createFrom().deferred(() -> {
            AtomicReference<HttpClientRequest> open = new AtomicReference<>();
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                    .setAbsoluteURI(model.completionsUrl())
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .putHeader(HttpHeaders.ACCEPT, "text/event-stream")
                    // Backstop only: the guard bounds the start, the idle timeout the silences after it.
                    .setIdleTimeout(model.timeout().plus(model.streamIdleTimeout()).plus(Duration.ofSeconds(1)).toMillis());
            model.apiKey().ifPresent(key -> options.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + key));
            return pool(model).request(options)
                    .invoke(open::set)
                    .chain(request -> request.send(Buffer.buffer(body.toString())))
                    .onFailure().transform(e -> e instanceof ProviderFault ? e : ProviderFault.connection(describe(e)))
                    .onItem().transformToMulti(response -> ProviderStatus.success(response.statusCode())
                            ? ProviderStatus.eventStream(response.getHeader("Content-Type"))
                                    ? chunks(response) : notAStream(response)
                            : response.body().onItem().<JsonNode>transformToMulti(refused -> Multi.createFrom().failure(
                                    ProviderStatus.refusal(model, response.statusCode(), refused.toString(),
                                            response.getHeader("Retry-After"), requestId))))
                    .onFailure().invoke(() -> reset(open.get()))
                    .onCancellation().invoke(() -> reset(open.get()));
        });
    }

    /** The body is read (and dropped) so the connection can be reused. */
    private static Multi<JsonNode> notAStream(HttpClientResponse response) {
        return response.body().onItem().transformToMulti(ignored -> Multi.createFrom().failure(
                ProviderStatus.notAStream(response.statusCode())));
    }

    private Multi<JsonNode> chunks(HttpClientResponse response) {
        SseDecoder decoder = new SseDecoder();
        StreamState state = new StreamState();
        return response.toMulti()
                .onFailure().transform(e -> ProviderFault.streamCut(describe(e)))
                .onItem().transformToIterable(buffer -> chunksOf(decoder.feed(buffer.getBytes()), state))
                .onCompletion().switchTo(() -> state.done
                        ? Multi.createFrom().empty()
                        : Multi.createFrom().failure(ProviderFault.streamCut("body ended before [DONE]")));
    }

    private List<JsonNode> chunksOf(List<String> events, StreamState state) {
        List<JsonNode> chunks = new ArrayList<>(events.size());
        for (String data : events) {
            if (state.done) {
                break;
            }
            if (data.trim().equals("[DONE]")) {
                if (state.chunks == 0) {
                    throw ProviderFault.invalidResponse(200, "stream ended without a chunk");
                }
                state.done = true;
                break;
            }
            chunks.add(bodies.chunk(data));
            state.chunks++;
        }
        return chunks;
    }

    /** What one stream has seen so far; touched only by the stream's own (serialised) signals. */
    private static final class StreamState {
        boolean done;
        int chunks;
    }

    private static void reset(HttpClientRequest request) {
        if (request != null) {
            request.reset();
        }
    }

    private HttpClient pool(ModelSpec model) {
        return pools.computeIfAbsent(model.name(), name -> vertx.createHttpClient(new HttpClientOptions()
                .setMaxPoolSize(model.maxConcurrency())
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, model.timeout().toMillis()))
                .setKeepAlive(true)));
    }

    /** The web client shares the model's connection pool with {@link #stream}, so max-concurrency bounds both. */
    private WebClient client(ModelSpec model) {
        return clients.computeIfAbsent(model.name(), name -> WebClient.wrap(pool(model), new WebClientOptions()
                .setFollowRedirects(false)
                .setUserAgent("verity-llm-cascade")));
    }

    private ProviderReply classify(ModelSpec model, HttpResponse<Buffer> response, String requestId) {
        int status = response.statusCode();
        if (ProviderStatus.success(status)) {
            return bodies.reply(status, response.bodyAsString());
        }
        throw ProviderStatus.refusal(model, status, response.bodyAsString(), response.getHeader("Retry-After"), requestId);
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    @PreDestroy
    void close() {
        clients.values().forEach(WebClient::close);
        pools.values().forEach(pool -> pool.close().subscribe().with(ignored -> { }, ignored -> { }));
    }
}
