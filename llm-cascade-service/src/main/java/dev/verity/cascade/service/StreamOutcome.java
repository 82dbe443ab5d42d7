package dev.verity.cascade.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.cascade.client.ModelSpec;
import io.smallrye.mutiny.Multi;

/** How the start of one streamed model call ended: its first chunk is in hand, or it failed before. */
public sealed interface StreamOutcome {

    /**
     * The provider's first chunk and the rest of its stream (not yet subscribed).
     *
     * @param abandon cancels the provider call if {@code rest} is never subscribed
     * @param startedNanos when the call was made, for latency
     * @param degradedRoute whether this model answers in place of a preferred route
     */
    record Started(ModelSpec model, JsonNode first, Multi<JsonNode> rest, Runnable abandon, long startedNanos,
            boolean degradedRoute) implements StreamOutcome {
    }

    record Failed(ModelOutcome.Failure failure) implements StreamOutcome {
    }
}
