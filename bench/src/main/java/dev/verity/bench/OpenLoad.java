package dev.verity.bench;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Open-model (constant-rate) load: request i is due at {@code start + i / rate} whether or not
 * earlier ones have answered, and its latency is measured from that intended send time, not from
 * when it was really sent. A stalled system therefore shows up as latency for every request that
 * should have gone out during the stall (no coordinated omission), as wrk2 does it. Latencies go
 * into an HdrHistogram in microseconds.
 */
final class OpenLoad {

    private OpenLoad() {
    }

    /** One call: completes with true for a good answer, false (or fails) for an error. */
    interface Call extends Supplier<Future<Boolean>> {
    }

    static LoadResult run(String target, double rate, Duration duration, Call call) {
        long count = Math.max(1, Math.round(rate * duration.toNanos() / 1e9));
        long periodNanos = Math.round(1e9 / rate);
        Histogram latencies = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch((int) count);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
        for (long i = 0; i < count; i++) {
            long intended = start + i * periodNanos;
            long wait;
            while ((wait = intended - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            Future<Boolean> reply;
            try {
                reply = call.get();
            } catch (RuntimeException e) {
                reply = Future.failedFuture(e);
            }
            reply.onComplete(result -> {
                if (result.succeeded() && result.result()) {
                    latencies.recordValue(Math.max(0, (System.nanoTime() - intended) / 1000));
                    ok.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                }
                done.countDown();
            });
        }
        long sentInNanos = System.nanoTime() - start;
        try {
            if (!done.await(35, TimeUnit.SECONDS)) {
                ErrorCauses.add("no answer within 35 s", done.getCount());
                errors.addAndGet(done.getCount());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for answers", e);
        }
        return new LoadResult(target, rate, count, ok.get(), errors.get(), latencies, sentInNanos);
    }

    /** Runs the load briefly and throws the result away: JIT, pools and connections warm up. */
    static void warmUp(double rate, Duration duration, Call call) {
        if (!duration.isZero()) {
            run("warm-up", rate, duration, call);
        }
    }
}
