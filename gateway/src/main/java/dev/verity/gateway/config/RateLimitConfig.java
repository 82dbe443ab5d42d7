package dev.verity.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

/** Requests per user and window, by tier; counted in Redis {@code verity:rl:<user>}. */
@ConfigMapping(prefix = "verity.rate-limit")
public interface RateLimitConfig {

    @WithDefault("true")
    boolean enabled();

    @WithDefault("60s")
    Duration window();

    /** Requests per window by tier wire name (enterprise, mid, early, free). */
    Map<String, Integer> requests();

    /** Redis slower than this is treated as down: the request passes (fail open). */
    @WithDefault("500ms")
    Duration redisTimeout();
}
