package dev.verity.gateway.routing;

import dev.verity.contract.UserContext;
import java.time.Duration;
import java.time.Instant;

/**
 * One public request as it travels through the gateway: the verified caller, the token that is
 * forwarded unchanged, the request id and the deadline no service may work past (DESIGN §3).
 */
public record RequestContext(UserContext user, String bearerToken, String requestId, Instant deadline) {

    public String authorization() {
        return "Bearer " + bearerToken;
    }

    public long deadlineEpochMillis() {
        return deadline.toEpochMilli();
    }

    /** Time left before the deadline; zero once it has passed. */
    public Duration remaining() {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
