package dev.verity.cascade.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Usage;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Posts chat-completion requests to OpenAI-compatible providers over the Vert.x Mutiny web client
 * (non-blocking) and classifies every outcome (DESIGN §4): a {@link ProviderReply} that passed the
 * protocol checks, or a failed {@link Uni} carrying a {@link ProviderFault}. Timeouts, retries and
 * the breaker are the caller's policy ({@code ModelGuards}); this class only speaks the protocol.
 */
@ApplicationScoped
public class ChatClient {

    private final Vertx vertx;
    private final ObjectMapper json;
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

    private WebClient client(ModelSpec model) {
        return clients.computeIfAbsent(model.name(), name -> WebClient.create(vertx, new WebClientOptions()
                .setMaxPoolSize(model.maxConcurrency())
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, model.timeout().toMillis()))
                .setKeepAlive(true)
                .setFollowRedirects(false)
                .setUserAgent("verity-llm-cascade")));
    }

    private ProviderReply classify(ModelSpec model, HttpResponse<Buffer> response, String requestId) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return parse(status, response.bodyAsString());
        }
        String body = response.bodyAsString();
        // Upstream text goes to the log with the request id, never to the user.
        Log.warnf("model %s answered HTTP %d, request %s: %s", model.name(), status, requestId, abbreviate(body));
        Integer retryAfter = retryAfterSeconds(response.getHeader("Retry-After"));
        if (status == 429) {
            return fail(ErrorType.LLM_RATE_LIMITED, AttemptOutcome.RATE_LIMITED, status, retryAfter, false);
        }
        if (status == 401 || status == 403) {
            return fail(ErrorType.LLM_AUTH_FAILED, AttemptOutcome.AUTH_FAILED, status, null, false);
        }
        if (status == 404 || status == 503 || status == 529 || mentions(body, "model_not_found")) {
            return fail(ErrorType.LLM_MODEL_UNAVAILABLE, AttemptOutcome.MODEL_UNAVAILABLE, status, retryAfter, false);
        }
        if (status == 400 && mentions(body, "context_length_exceeded")) {
            return fail(ErrorType.LLM_CONTEXT_LENGTH_EXCEEDED, AttemptOutcome.CONTEXT_TOO_SMALL, status, null, false);
        }
        // Other 5xx may pass on a second try; other 4xx mean the provider refused this request as sent.
        return fail(ErrorType.LLM_UPSTREAM_ERROR, AttemptOutcome.UPSTREAM_ERROR, status, retryAfter, status >= 500);
    }

    private static ProviderReply fail(ErrorType type, AttemptOutcome outcome, int status, Integer retryAfter,
            boolean retrySameModel) {
        throw new ProviderFault(type, outcome, status, retryAfter, retrySameModel, "HTTP " + status);
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

    private static boolean mentions(String body, String code) {
        return body != null && body.contains(code);
    }

    /** Retry-After as seconds: delta-seconds or an HTTP date; null when absent or unreadable. */
    static Integer retryAfterSeconds(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return Math.max(1, (int) Math.ceil(Double.parseDouble(header.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                long seconds = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)).toSeconds();
                return (int) Math.max(1, seconds);
            } catch (RuntimeException notADate) {
                return null;
            }
        }
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
    }
}
