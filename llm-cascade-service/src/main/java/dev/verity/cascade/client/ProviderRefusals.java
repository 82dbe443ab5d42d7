package dev.verity.cascade.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import java.io.IOException;
import java.util.Set;

/**
 * Classifies a provider's non-2xx answer into Verity's taxonomy from the HTTP status and the
 * OpenAI error object's {@code code} and {@code type} ({@code {"error":{"code":…,"type":…}}}),
 * never from free text: a message that merely mentions a code ("…unlike context_length_exceeded…")
 * must not change the outcome.
 */
final class ProviderRefusals {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** HTTP statuses that mean "this model cannot serve now" (529: Anthropic-style overloaded). */
    private static final Set<Integer> MODEL_UNAVAILABLE_STATUSES = Set.of(404, 503, 529);

    private ProviderRefusals() {
    }

    static ProviderFault classify(int status, String body, String retryAfterHeader) {
        Integer retryAfter = RetryAfter.seconds(retryAfterHeader);
        ErrorObject error = ErrorObject.of(body);
        if (status == 429) {
            return fault(ErrorType.LLM_RATE_LIMITED, AttemptOutcome.RATE_LIMITED, status, retryAfter, false);
        }
        if (status == 401 || status == 403) {
            return fault(ErrorType.LLM_AUTH_FAILED, AttemptOutcome.AUTH_FAILED, status, null, false);
        }
        if (MODEL_UNAVAILABLE_STATUSES.contains(status) || error.is("model_not_found")) {
            return fault(ErrorType.LLM_MODEL_UNAVAILABLE, AttemptOutcome.MODEL_UNAVAILABLE, status, retryAfter, false);
        }
        if (status == 400 && error.is("context_length_exceeded")) {
            return fault(ErrorType.LLM_CONTEXT_LENGTH_EXCEEDED, AttemptOutcome.CONTEXT_TOO_SMALL, status, null, false);
        }
        // Other 5xx may pass on a second try; other 4xx mean the provider refused this request as sent.
        return fault(ErrorType.LLM_UPSTREAM_ERROR, AttemptOutcome.UPSTREAM_ERROR, status, retryAfter, status >= 500);
    }

    private static ProviderFault fault(ErrorType type, AttemptOutcome outcome, int status, Integer retryAfter,
            boolean retrySameModel) {
        return new ProviderFault(type, outcome, status, retryAfter, retrySameModel, "HTTP " + status);
    }

    /** The {@code code} and {@code type} of an OpenAI error body; both null when the body is not one. */
    private record ErrorObject(String code, String type) {

        static ErrorObject of(String body) {
            if (body == null || body.isBlank()) {
                return new ErrorObject(null, null);
            }
            try {
                JsonNode error = JSON.readTree(body).path("error");
                return new ErrorObject(textOf(error.path("code")), textOf(error.path("type")));
            } catch (IOException | RuntimeException notJson) {
                return new ErrorObject(null, null);
            }
        }

        boolean is(String value) {
            return value.equals(code) || value.equals(type);
        }

        private static String textOf(JsonNode node) {
            return node.isTextual() ? node.asText() : null;
        }
    }
}
