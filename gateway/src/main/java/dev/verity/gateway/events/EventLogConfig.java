package dev.verity.gateway.events;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The per-user event log {@code verity:eventlog:<user>}; the execution agent reads the same names. */
@ConfigMapping(prefix = "verity.eventlog")
public interface EventLogConfig {

    /** Approximate cap of each user's stream (XADD MAXLEN ~). */
    @WithDefault("10000")
    long maxLength();

    /** History kept after the user's last event. */
    @WithDefault("24h")
    Duration ttl();
}
