package dev.verity.cascade.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.SseDecoder;
import dev.verity.contract.Usage;
import io.quarkus.logging.Log;
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
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
    private final ObjectMapper json;
    private final Map<String, HttpClient> pools = new ConcurrentHashMap<>();
    private final Map<String, WebClient> clients = new ConcurrentHashMap<>();

    public ChatClient(Vertx vertx, ObjectMapper json) {
        this.vertx = vertx;
        this.json = json;
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
                    .onItem().transformToMulti(response -> response.statusCode() >= 200 && response.statusCode() < 300
                            ? isEventStream(response) ? chunks(response) : notAStream(response)
                            : response.body().onItem().<JsonNode>transformToMulti(refused -> Multi.createFrom().failure(
                                    refusal(model, response.statusCode(), refused.toString(),
                                            response.getHeader("Retry-After"), requestId))))
                    .onFailure().invoke(() -> reset(open.get()))
                    .onCancellation().invoke(() -> reset(open.get()));
        });
    }

    private static boolean isEventStream(HttpClientResponse response) {
        String type = response.getHeader("Content-Type");
        return type != null && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
    }

    /** A success status with a body that is no event stream (say, one JSON completion) is not a usable stream. */
    private static Multi<JsonNode> notAStream(HttpClientResponse response) {
        return response.body().onItem().transformToMulti(ignored -> Multi.createFrom().failure(
                ProviderFault.invalidResponse(response.statusCode(), "answer to a streaming request is not an event stream")));
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
            JsonNode chunk;
            try {
                chunk = json.readTree(data);
            } catch (IOException e) {
                throw ProviderFault.invalidResponse(200, "stream chunk is not JSON");
            }
            if (chunk != null && chunk.has("error")) {
                throw ProviderFault.streamError(abbreviate(chunk.path("error").toString()));
            }
            if (chunk == null || !chunk.isObject() || !chunk.path("choices").isArray()) {
                throw ProviderFault.invalidResponse(200, "stream chunk has no choices");
            }
            if (!chunk.path("id").isTextual() || chunk.path("id").asText().isBlank()) {
                throw ProviderFault.invalidResponse(200, "stream chunk has no id");
            }
            state.chunks++;
            chunks.add(chunk);
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
        if (status >= 200 && status < 300) {
            return parse(status, response.bodyAsString());
        }
        throw refusal(model, status, response.bodyAsString(), response.getHeader("Retry-After"), requestId);
    }

    /** A non-2xx answer, classified; streamed and plain requests are refused alike. */
    private static ProviderFault refusal(ModelSpec model, int status, String body, String retryAfterHeader,
            String requestId) {
        // Upstream text goes to the log with the request id, never to the user.
        Log.warnf("model %s answered HTTP %d, request %s: %s", model.name(), status, requestId, abbreviate(body));
        return ProviderRefusals.classify(status, body, retryAfterHeader);
    }

    private ProviderReply parse(int status, String body) {
        JsonNode root;
        try {
            root = body == null ? null : json.readTree(body);
        } catch (IOException e) {
            throw ProviderFault.invalidResponse(status, "body is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw ProviderFault.invalidResponse(status, "body is not a JSON object");
        }
        JsonNode choices = root.path("choices");
        if (!choices.isArray() || choices.isEmpty()) {
            throw ProviderFault.invalidResponse(status, "no choices");
        }
        String id = text(root.path("id"));
        if (id == null || id.isBlank()) {
            throw ProviderFault.invalidResponse(status, "no response id");
        }
        JsonNode first = choices.get(0);
        JsonNode message = first.path("message");
        if (!message.isObject()) {
            throw ProviderFault.invalidResponse(status, "first choice has no message");
        }
        String content = text(message.path("content"));
        boolean toolCalls = message.path("tool_calls").isArray() && !message.path("tool_calls").isEmpty();
        String refusal = text(message.path("refusal"));
        if ((content == null || content.isBlank()) && !toolCalls && (refusal == null || refusal.isBlank())) {
            throw ProviderFault.invalidResponse(status, "empty content");
        }
        List<JsonNode> allChoices = new ArrayList<>();
        choices.forEach(allChoices::add);
        JsonNode usageNode = root.path("usage");
        Usage usage = usageNode.path("prompt_tokens").canConvertToInt() && usageNode.path("completion_tokens").canConvertToInt()
                && usageNode.path("prompt_tokens").isNumber() && usageNode.path("completion_tokens").isNumber()
                ? new Usage(usageNode.path("prompt_tokens").asInt(), usageNode.path("completion_tokens").asInt())
                : null;
        return new ProviderReply(id, root.path("created").isNumber() ? root.path("created").asLong() : null,
                allChoices, usageNode.isObject() ? usageNode : null, usage, text(root.path("system_fingerprint")),
                text(first.path("finish_reason")), content, toolCalls, refusal, logprobs(first.path("logprobs")));
    }

    private static List<Double> logprobs(JsonNode logprobs) {
        JsonNode content = logprobs.path("content");
        if (!content.isArray() || content.isEmpty()) {
            return null;
        }
        List<Double> values = new ArrayList<>();
        content.forEach(token -> {
            if (token.path("logprob").isNumber()) {
                values.add(token.path("logprob").asDouble());
            }
        });
        return values.isEmpty() ? null : values;
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static String abbreviate(String body) {
        if (body == null) {
            return "";
        }
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }

    @PreDestroy
    void close() {
        clients.values().forEach(WebClient::close);
        pools.values().forEach(pool -> pool.close().subscribe().with(ignored -> { }, ignored -> { }));
    }
}
