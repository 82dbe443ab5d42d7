package dev.verity.runtime.status;

import dev.verity.contract.ComponentStatus;
import io.smallrye.mutiny.Uni;

/**
 * A service's own part of its capability status (DESIGN §9): which dependencies it checks and what
 * their state means for callers. Every service provides exactly one such bean.
 */
public interface StatusDecision {

    /** The reason shown while the first check has not finished. */
    String initializing();

    /**
     * Checks this service's dependencies and decides its state.
     *
     * @param redis the outcome of a Redis {@code PING} (lazy: subscribe to it, alongside the
     *     service's own checks, so they run at the same time)
     */
    Uni<Verdict> decide(Uni<ComponentStatus> redis);
}
