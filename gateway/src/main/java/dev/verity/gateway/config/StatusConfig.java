package dev.verity.gateway.config;

import dev.verity.contract.RedisKeys;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Live status of the internal services and the gateway's own status. */
@ConfigMapping(prefix = "verity.status")
public interface StatusConfig {

    /** How often the gateway re-checks its own PostgreSQL and Redis. */
    @WithDefault("5s")
    Duration refreshInterval();

    /** Safety-net poll of every service's {@code GET /v1/status}, in addition to Redis pushes. */
    @WithDefault("5s")
    Duration pollInterval();

    /** A status check not answered within this counts as a miss ({@link #missesBeforeUnavailable()}). */
    @WithDefault("2s")
    Duration pollTimeout();

    /**
     * Status checks that must time out in a row before a service is marked unavailable. One slow
     * answer on a busy machine is not an outage: marking the service unavailable on it refused
     * every request to a service that was answering them. A check whose connection is refused or
     * reset (nothing listening, a crashed process) marks the service unavailable at once.
     */
    @WithDefault("3")
    int missesBeforeUnavailable();

    /** Redis pub/sub channel carrying status changes. */
    @WithDefault(RedisKeys.STATUS_CHANNEL)
    String channel();

    /** Absolute URL of this gateway's human-readable status page, given to users in problems. */
    @WithDefault("http://localhost:8080/status")
    String pageUrl();
}
