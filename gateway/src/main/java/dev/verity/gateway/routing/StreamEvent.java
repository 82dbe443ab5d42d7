package dev.verity.gateway.routing;

import dev.verity.contract.Problem;

/** One event of a streamed answer on its way to the caller. */
public sealed interface StreamEvent {

    /** An SSE {@code data:} payload as the service wrote it: a chunk, its error event, or {@code [DONE]}. */
    record Data(String payload) implements StreamEvent {
    }

    /** The gateway ends the stream here with this problem (guard verdict, broken upstream); nothing follows. */
    record Stopped(Problem problem) implements StreamEvent {
    }
}
