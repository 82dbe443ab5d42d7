package dev.verity.cascade.service;

import dev.verity.contract.UserContext;

/**
 * Who a model call is for and by when it must end.
 *
 * @param deadlineEpochMs {@code X-Request-Deadline}, or null when the caller set none
 */
public record CallContext(UserContext user, String requestId, Long deadlineEpochMs) {

    /** Milliseconds left before the deadline; {@link Long#MAX_VALUE} without one. */
    public long remainingMs() {
        return deadlineEpochMs == null ? Long.MAX_VALUE : deadlineEpochMs - System.currentTimeMillis();
    }

    public boolean expired() {
        return remainingMs() <= 0;
    }
}
