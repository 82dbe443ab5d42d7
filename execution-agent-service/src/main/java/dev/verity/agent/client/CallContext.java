package dev.verity.agent.client;

import java.time.Duration;
import java.time.Instant;

/**
 * What every internal call carries: the caller's own token, the request id and the
 * deadline after which no service works on the request.
 */
public record CallContext(String bearerToken, String requestId, Instant deadline) {

    public String authorization() {
        return "Bearer " + bearerToken;
    }

    public long deadlineEpochMillis() {
        return deadline.toEpochMilli();
    }

    /** Time left before the deadline; zero or negative once it has passed. */
    public Duration remaining() {
        return Duration.between(Instant.now(), deadline);
    }

    public boolean expired() {
        return !remaining().isPositive();
    }
}
