package dev.verity.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "verity.request")
public interface RequestConfig {

    /** Budget of a request that arrives without {@code X-Request-Deadline}. */
    @WithDefault("60s")
    Duration defaultBudget();

    /** A caller cannot ask the gateway to work longer than this, whatever deadline it sends. */
    @WithDefault("300s")
    Duration maxBudget();
}
