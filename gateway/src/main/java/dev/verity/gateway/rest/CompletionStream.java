package dev.verity.gateway.rest;

import dev.verity.gateway.routing.StreamEvent;
import io.smallrye.mutiny.Multi;

/** The body of a streamed completion response; written event by event by {@link CompletionStreamWriter}. */
record CompletionStream(Multi<StreamEvent> events) {
}
