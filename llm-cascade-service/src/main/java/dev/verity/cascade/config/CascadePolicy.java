package dev.verity.cascade.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * How the cascade treats every model: the quality bar for accepting an answer, the retry and
 * circuit-breaker policy shared by all providers, the response cache and the usage buffer.
 */
@ConfigMapping(prefix = "verity.cascade")
public interface CascadePolicy {

    /** An answer scoring below this (0..1) makes the cascade escalate to the next tier. */
    @WithDefault("0.7")
    double qualityThreshold();

    Retry retry();

    Breaker breaker();

    Cache cache();

    UsageBuffer usage();

    interface Retry {
        /** Extra attempts on the same model, only for upstream errors (5xx, resets). */
        @WithDefault("1")
        int maxRetries();

        @WithDefault("200ms")
        Duration delay();

        /** Random spread added to each delay so retries from many requests do not align. */
        @WithDefault("100ms")
        Duration jitter();
    }

    interface Breaker {
        /** Size of the rolling window of calls the failure ratio is computed over. */
        @WithDefault("10")
        int requestVolumeThreshold();

        @WithDefault("0.5")
        double failureRatio();

        /** How long an open breaker skips the model before letting a trial call through. */
        @WithDefault("30s")
        Duration delay();

        @WithDefault("1")
        int successThreshold();
    }

    interface Cache {
        @WithDefault("10m")
        Duration ttl();

        /** Longest a cache look-up may take before it counts as a miss (Redis slow or down). */
        @WithDefault("250ms")
        Duration lookupTimeout();
    }

    interface UsageBuffer {
        /** Events kept in memory while Redis is unreachable; beyond this they are counted as lost. */
        @WithDefault("10000")
        int bufferSize();

        @WithDefault("2s")
        Duration writeTimeout();

        /** How often buffered events are retried while Redis is unreachable. */
        @WithDefault("1s")
        Duration flushInterval();

        /**
         * How long a stopping cascade waits, after its last request, for the events still queued to
         * reach Redis; what is left then is logged with its ids as lost.
         */
        @WithDefault("5s")
        Duration shutdownFlush();
    }
}
