package dev.verity.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import java.util.List;
import java.util.Map;

/**
 * Per public route: which internal services must be usable before a request is forwarded
 * (progressive disclosure) and how many requests may run and wait (admission control).
 */
@ConfigMapping(prefix = "verity.routes")
public interface RoutesConfig {

    @WithParentName
    Map<String, RouteConfig> routes();

    interface RouteConfig {
        /** Service names of {@code dev.verity.contract.Services}. */
        List<String> requiredServices();

        /** Requests forwarded at the same time; the rest wait in the priority queue. */
        @WithDefault("32")
        int maxInFlight();

        /**
         * Streamed answers open at the same time. A stream holds its slot until it ends and spends
         * most of that time waiting for the model's next chunk, so streams are counted apart from
         * {@link #maxInFlight()}: open streams never keep an ordinary request waiting, and a burst of
         * ordinary requests never delays a stream's first token. Beyond it, streams wait in tier
         * order as requests do, up to {@link #maxQueue()}.
         */
        @WithDefault("256")
        int maxStreams();

        /** Requests allowed to wait; beyond that the answer is {@code overloaded} at once. */
        @WithDefault("128")
        int maxQueue();
    }
}
