package dev.verity.gateway.incident;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Support incidents (docs/incidents.md); the webhook itself is {@code verity.tier-handling.webhook-*}. */
@ConfigMapping(prefix = "verity.incidents")
public interface IncidentsConfig {

    /** An open incident is re-announced to support at most this often (Alertmanager's default). */
    @WithDefault("4h")
    Duration repeatInterval();

    /** An open incident without a new occurrence for this long resolves by itself. */
    @WithDefault("10m")
    Duration quietPeriod();

    /**
     * How often each replica resolves quiet incidents, sends due reminders, re-sends notices that
     * never got through, and refreshes what it knows to be open.
     */
    @WithDefault("15s")
    Duration sweepInterval();

    /** A notice whose in-process retries all failed is tried again by a sweep after this long. */
    @WithDefault("10m")
    Duration redeliverAfter();

    /** The most recent request ids kept per incident and per affected user; the totals count all. */
    @WithDefault("100")
    int maxRequestIds();

    /** How long a failed request waits for its occurrence to be recorded before answering without it. */
    @WithDefault("2s")
    Duration recordTimeout();
}
