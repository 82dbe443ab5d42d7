package dev.verity.cascade.service;

import dev.verity.contract.Problem;
import io.smallrye.mutiny.Multi;

/**
 * What a streamed cascade produced: a model that has started answering, with the Server-Sent
 * Events to relay (its first chunk already in hand), or the problem when no model started.
 */
public sealed interface StreamResult {

    /** @param events complete SSE events ({@code data: …\n\n}), ending with {@code [DONE]} or one error event */
    record Streaming(String model, boolean degraded, Multi<String> events) implements StreamResult {
    }

    record Failed(Problem problem) implements StreamResult {
    }
}
