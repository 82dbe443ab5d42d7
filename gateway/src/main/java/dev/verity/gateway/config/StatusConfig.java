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

    /** A service that does not answer its status check within this is marked unavailable. */
    @WithDefault("2s")
    Duration pollTimeout();

    /** Redis pub/sub channel carrying status changes. */
    @WithDefault(RedisKeys.STATUS_CHANNEL)
    String channel();

    /** Absolute URL of this gateway's human-readable status page, given to users in problems. */
    @WithDefault("http://localhost:8080/status")
    String pageUrl();
}
