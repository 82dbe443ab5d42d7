package dev.verity.contract;

/** Redis names more than one service (or a service and its clients) read and write (DESIGN §9, §10). */
public final class RedisKeys {

    /** Pub/sub channel: every service publishes its {@link ServiceStatus} here when its state changes. */
    public static final String STATUS_CHANNEL = "verity:status";
    /** Pub/sub channel prefix, {@code verity:events:<user>}: a user's live run events. */
    public static final String EVENTS_CHANNEL_PREFIX = "verity:events:";
    /** Stream prefix, {@code verity:eventlog:<user>}: a user's event history, replayed on reconnect. */
    public static final String EVENT_LOG_PREFIX = "verity:eventlog:";

    private RedisKeys() {
    }
}
