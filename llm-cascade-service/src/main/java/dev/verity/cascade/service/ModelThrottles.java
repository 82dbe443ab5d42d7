package dev.verity.cascade.service;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Models their provider asked us to leave alone ({@code 429} with {@code Retry-After}) and until
 * when. A throttled model is skipped without a network call, so honouring the provider costs the
 * caller nothing; the wait is capped so one absurd header cannot take a model out for a day.
 */
final class ModelThrottles {

    static final long MAX_THROTTLE_MS = Duration.ofHours(1).toMillis();

    private final Map<String, Long> throttledUntil = new ConcurrentHashMap<>();
    private final LongSupplier clockMs;

    ModelThrottles() {
        this(System::currentTimeMillis);
    }

    ModelThrottles(LongSupplier clockMs) {
        this.clockMs = clockMs;
    }

    /** The provider said: not before {@code retryAfterSeconds} from now. */
    void throttle(String model, int retryAfterSeconds) {
        throttledUntil.put(model, clockMs.getAsLong() + Math.min(MAX_THROTTLE_MS, retryAfterSeconds * 1000L));
    }

    /** Milliseconds the model is still throttled for; zero or less when it may be called. */
    long leftMs(String model) {
        Long until = throttledUntil.get(model);
        return until == null ? 0 : until - clockMs.getAsLong();
    }

    /** The throttle left, as the whole seconds a {@code Retry-After} would say (at least 1). */
    static int retryAfterSeconds(long leftMs) {
        return (int) Math.max(1, (leftMs + 999) / 1000);
    }

    void clear() {
        throttledUntil.clear();
    }
}
