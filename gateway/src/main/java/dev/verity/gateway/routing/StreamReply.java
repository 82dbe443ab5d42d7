package dev.verity.gateway.routing;

import dev.verity.contract.Problem;
import io.smallrye.mutiny.Multi;

/**
 * What a streamed request produced before its first chunk: a started stream (the service's
 * headers and its events, consumed with back-pressure), or a problem answered as a plain response.
 */
public sealed interface StreamReply {

    /** The {@code x-verity-*} headers the service sent with its first chunk. */
    record Head(String model, String degraded, String requestId) {
    }

    record Started(Head head, Multi<StreamEvent> events) implements StreamReply {
    }

    record Failure(Problem problem) implements StreamReply {
    }
}
