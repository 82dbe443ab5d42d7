package dev.verity.gateway.events;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** WebSocket event delivery: limits that keep one connection from hurting the others. */
@ConfigMapping(prefix = "verity.events")
public interface EventsConfig {

    /** Bytes sent to a socket but not yet written to the network; past it the client is too slow and is disconnected. */
    @WithDefault("1M")
    MemorySize sendBuffer();

    /** A socket that sends nothing (not even a pong to our pings) for this long is closed. */
    @WithDefault("90s")
    Duration idleTimeout();

    /** How many recent event ids each socket remembers to drop a copy that arrives twice (pub/sub and direct stream). */
    @WithDefault("4096")
    int dedupeWindow();

    /** Most events one resume replays; the reply says when there is more. */
    @WithDefault("1000")
    int resumeLimit();

    /** Runs started over one socket that may be in flight at once. */
    @WithDefault("4")
    int maxRunsPerConnection();

    /** How long a run started over the socket may take before the gateway ends it with agent_timeout. */
    @WithDefault("120s")
    Duration runTimeout();

    /** Bound on every Redis call made for event delivery. */
    @WithDefault("2s")
    Duration redisTimeout();

    /**
     * Redis checks (PING within {@link #redisTimeout()}) missed in a row before this replica treats
     * Redis as gone and drops its subscription; a single slow answer under load is not an outage.
     */
    @WithDefault("3")
    int redisMissesBeforeDrop();

}
