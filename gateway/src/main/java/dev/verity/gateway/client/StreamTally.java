package dev.verity.gateway.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.ErrorType;
import dev.verity.gateway.routing.StreamEvent;
import dev.verity.runtime.genai.GenAiMetrics;
import dev.verity.runtime.rest.ProblemException;
import io.smallrye.mutiny.Multi;
import java.time.Duration;

/**
 * One streamed completion as the GenAI client histograms see it, recorded once when the stream
 * ends: the answering model and token counts from the cascade's last chunk (the one with
 * {@code provenance}; its {@code usage} is there only when the caller asked for
 * {@code include_usage}), the error type of the cascade's error event or of the problem that broke
 * the stream, {@code cancelled} when the caller left. Only chunks that can be the last or an error
 * event are parsed. Touched by the stream's serialised signals only.
 */
final class StreamTally {

    static final String CANCELLED = "cancelled";

    private final GenAiMetrics genAi;
    private final ObjectMapper json;
    private final String provider;
    private final String requestedModel;
    private final long startedNanos;
    private String responseModel;
    private Integer inputTokens;
    private Integer outputTokens;
    private String errorType;

    StreamTally(GenAiMetrics genAi, ObjectMapper json, String provider, String requestedModel, String headModel,
            long startedNanos) {
        this.genAi = genAi;
        this.json = json;
        this.provider = provider;
        this.requestedModel = requestedModel;
        this.responseModel = headModel;
        this.startedNanos = startedNanos;
    }

    Multi<StreamEvent> watch(Multi<StreamEvent> events) {
        return events.onItem().invoke(this::see)
                .onTermination().invoke((failure, cancelled) -> {
                    if (cancelled) {
                        errorType = CANCELLED;
                    } else if (failure != null) {
                        errorType = failure instanceof ProblemException known ? known.problem().errorType().wire()
                                : ErrorType.INTERNAL_ERROR.wire();
                    }
                    genAi.record(provider, requestedModel, responseModel, inputTokens, outputTokens,
                            Duration.ofNanos(System.nanoTime() - startedNanos), errorType);
                });
    }

    private void see(StreamEvent event) {
        if (!(event instanceof StreamEvent.Data data)) {
            return;
        }
        String payload = data.payload();
        if (!payload.contains("\"provenance\"") && !payload.contains("\"error\"")) {
            return;
        }
        JsonNode chunk;
        try {
            chunk = json.readTree(payload);
        } catch (JsonProcessingException e) {
            // Unreadable chunks are the receipt checker's and the caller's business; nothing to count here.
            return;
        }
        if (chunk.path("error").isObject()) {
            errorType = knownErrorType(chunk.path("error").path("code").asText(""));
        } else if (chunk.path("provenance").isObject() && chunk.path("choices").isEmpty()) {
            if (chunk.path("model").isTextual()) {
                responseModel = chunk.get("model").asText();
            }
            JsonNode usage = chunk.path("usage");
            inputTokens = usage.path("prompt_tokens").isInt() ? usage.get("prompt_tokens").asInt() : null;
            outputTokens = usage.path("completion_tokens").isInt() ? usage.get("completion_tokens").asInt() : null;
        }
    }

    /** A label is one of Verity's error types, never a free string from the wire (series stay bounded). */
    private static String knownErrorType(String code) {
        try {
            return ErrorType.fromWire(code).wire();
        } catch (IllegalArgumentException e) {
            return ErrorType.LLM_UPSTREAM_ERROR.wire();
        }
    }
}
