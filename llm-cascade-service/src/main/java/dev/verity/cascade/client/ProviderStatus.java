package dev.verity.cascade.client;

import io.quarkus.logging.Log;
import java.util.Locale;

/**
 * What the status line and content type of a provider's answer say before its body is read: a
 * success to parse, a refusal to classify ({@link ProviderRefusals}), or, for a streaming request,
 * a success that is no event stream. Streamed and plain requests are judged alike.
 */
final class ProviderStatus {

    private ProviderStatus() {
    }

    static boolean success(int status) {
        return status >= 200 && status < 300;
    }

    static boolean eventStream(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
    }

    /** A non-2xx answer, classified; the upstream text goes to the log with the request id, never to the user. */
    static ProviderFault refusal(ModelSpec model, int status, String body, String retryAfterHeader, String requestId) {
        Log.warnf("model %s answered HTTP %d, request %s: %s", model.name(), status, requestId,
                CompletionBodies.abbreviate(body));
        return ProviderRefusals.classify(status, body, retryAfterHeader);
    }

    /** A success status with a body that is no event stream (say, one JSON completion) is not a usable stream. */
    static ProviderFault notAStream(int status) {
        return ProviderFault.invalidResponse(status, "answer to a streaming request is not an event stream");
    }
}
