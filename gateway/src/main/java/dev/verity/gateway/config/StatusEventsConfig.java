package dev.verity.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "verity.status-events")
public interface StatusEventsConfig {

    /** Emit {@code service_*} and {@code request_queued} events. */
    @WithDefault("true")
    boolean enabled();
}
