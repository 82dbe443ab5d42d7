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

        /** Requests allowed to wait; beyond that the answer is {@code overloaded} at once. */
        @WithDefault("128")
        int maxQueue();
    }
}
