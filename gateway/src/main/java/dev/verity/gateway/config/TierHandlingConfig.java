package dev.verity.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Tier-aware failure handling. */
@ConfigMapping(prefix = "verity.tier-handling")
public interface TierHandlingConfig {

    @WithDefault("true")
    boolean enabled();

    /** Where enterprise customers reach support; shown in their problems. */
    String supportContact();

    /** Receives every enterprise escalation; without it tickets are only recorded. */
    Optional<URI> webhookUrl();

    /** Further attempts after the first failed delivery. */
    @WithDefault("5")
    int webhookRetries();

    /** First pause between deliveries; it doubles up to eight times this. */
    @WithDefault("2s")
    Duration webhookBackoff();

    @WithDefault("5s")
    Duration webhookTimeout();
}
