package dev.verity.bench;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Closed-model load for streams: {@code clients} clients, each opening its next stream as soon as
 * its last one ended, so exactly that many streams are in flight whatever the system's speed.
 * The issue asks for a figure <em>at</em> 100 concurrent streams; an open model at a fixed rate
 * would hold 100 in flight only while the stream time stays what it was when the rate was chosen,
 * and on a loaded machine would pile up far more. With a fixed concurrency each stream's timings
 * are its own (no coordinated omission to correct: the figure is per stream at that concurrency,
 * and the throughput it allowed is reported beside it). Only streams started within the measured
 * window are recorded; latencies in µs.
 */
final class StreamLoad {

    private StreamLoad() {
    }

    /** Time to the first content chunk and to the last byte, and how many streams went through. */
    record Result(LoadResult firstContent, LoadResult lastByte) {

        double streamsPerSecond() {
            return lastByte.rate();
        }
    }

    static Result run(String target, int clients, Duration duration, Supplier<Future<Http.StreamTiming>> stream) {
        Histogram firstContent = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
        Histogram lastByte = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
        AtomicLong started = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(clients);
        long end = System.nanoTime() + duration.toNanos();
        for (int i = 0; i < clients; i++) {
            next(stream, end, started, ok, errors, firstContent, lastByte, finished);
        }
        try {
            if (!finished.await(duration.toSeconds() + 35, TimeUnit.SECONDS)) {
                errors.addAndGet(finished.getCount());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for streams", e);
        }
        double rate = ok.get() * 1e9 / duration.toNanos();
        return new Result(new LoadResult(target + " first content", rate, started.get(), ok.get(), errors.get(), firstContent,
                duration.toNanos()),
                new LoadResult(target + " last byte", rate, started.get(), ok.get(), errors.get(), lastByte, duration.toNanos()));
    }

    /** One client: a stream, then the next, until the window ends. */
    private static void next(Supplier<Future<Http.StreamTiming>> stream, long end, AtomicLong started, AtomicLong ok,
                             AtomicLong errors, Histogram firstContent, Histogram lastByte, CountDownLatch finished) {
        if (System.nanoTime() >= end) {
            finished.countDown();
            return;
        }
        started.incrementAndGet();
        Future<Http.StreamTiming> reply;
        try {
            reply = stream.get();
        } catch (RuntimeException e) {
            reply = Future.failedFuture(e);
        }
        reply.onComplete(result -> {
            if (result.succeeded() && result.result().complete()) {
                firstContent.recordValue(result.result().firstContentNanos() / 1000);
                lastByte.recordValue(result.result().lastByteNanos() / 1000);
                ok.incrementAndGet();
            } else {
                errors.incrementAndGet();
            }
            next(stream, end, started, ok, errors, firstContent, lastByte, finished);
        });
    }
}
