package dev.verity.gateway.routing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.Problem;

/** What a forwarded request produced: a real answer from a service, or a problem. */
public sealed interface Reply {

    /** A downstream answer, body passed through as the service wrote it. */
    record Success(int status, ObjectNode body) implements Reply {
    }

    record Failure(Problem problem) implements Reply {
    }
}
