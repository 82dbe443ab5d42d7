package dev.verity.runtime.log;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A warning that can happen once per request: every occurrence counted, logged at most once per
 * interval with the number since the last line. Under overload a WARN per request grows the log
 * with the overload it reports and takes CPU from the requests (the gateway's rate limiter did
 * that: 2.6 % of its CPU samples; the event log and the usage buffer did the same when Redis was
 * slow, bench/README.md).
 */
public final class RepeatedWarning {

    /** What to log, when a line is due: occurrences since the last line and the latest one's detail. */
    public record Line(long occurrences, String latest) {
    }

    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final AtomicLong sinceLastLine = new AtomicLong();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong lastLineAt;

    public RepeatedWarning(Duration interval) {
        this(interval, System::nanoTime);
    }

    RepeatedWarning(Duration interval, LongSupplier nanoTime) {
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
        this.lastLineAt = new AtomicLong(nanoTime.getAsLong() - intervalNanos);
    }

    /** Counts one occurrence; returns the line to log when one is due (the first, then one per interval), else null. */
    public Line record(String detail) {
        total.incrementAndGet();
        sinceLastLine.incrementAndGet();
        long now = nanoTime.getAsLong();
        long last = lastLineAt.get();
        if (now - last < intervalNanos || !lastLineAt.compareAndSet(last, now)) {
            return null;
        }
        return new Line(sinceLastLine.getAndSet(0), detail);
    }

    /** Every occurrence so far, logged or not (for a Micrometer counter). */
    public long total() {
        return total.get();
    }
}
