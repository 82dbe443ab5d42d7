package dev.verity.gateway.notices;

/**
 * CDI event fired by the admission controller each time a waiting request's queue position is
 * known or changes (1 = next). Observed by {@link QueueEvents}, which sends {@code request_queued}
 * to the user's sockets on every replica.
 */
public record RequestQueued(String userId, String requestId, int position) {
}
