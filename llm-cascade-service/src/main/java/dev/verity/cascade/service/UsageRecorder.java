package dev.verity.cascade.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.cascade.config.CascadePolicy;
import dev.verity.contract.UsageEvent;
import dev.verity.runtime.trace.TraceContext;
import dev.verity.runtime.log.RepeatedWarning;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Appends one {@link UsageEvent} per provider call to {@code verity:usage}. Redis
 * down never fails the user's request: events wait in a bounded in-memory queue, in order, and are
 * flushed when Redis answers again. An event that does not fit is counted
 * ({@code verity.cascade.usage.events.dropped}) and logged with its id, never silently lost.
 *
 * <p>Every event goes through that queue, and one write is in flight at a time: it carries every
 * event queued so far (up to {@link #MAX_BATCH}) as one pipelined batch of {@code XADD}s. A lone
 * event is written at once, as before; under load the events of a round trip share it (one
 * round trip per call was the Redis client's share of the cascade's CPU, bench/README.md).
 * Delivery is at least once, as it was per event: a batch that Redis took but answered after the
 * write timeout is written again, and the data agent stores an event once by its id.
 */
@ApplicationScoped
public class UsageRecorder {

    static final int MAX_BATCH = 64;

    private final Redis client;
    private final ObjectMapper json;
    private final CascadeMetrics metrics;
    private final TraceContext traces;
    private final int capacity;
    private final Duration writeTimeout;
    private final Duration shutdownFlush;
    private final ConcurrentLinkedQueue<String> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicBoolean writing = new AtomicBoolean();
    /** Whether a write failed since the queue was last empty, for the line that says it has been flushed. */
    private final AtomicBoolean buffering = new AtomicBoolean();
    private final RepeatedWarning unreachable = new RepeatedWarning(Duration.ofSeconds(10));

    public UsageRecorder(ReactiveRedisDataSource redis, ObjectMapper json, CascadeMetrics metrics, CascadePolicy policy,
            TraceContext traces) {
        this.traces = traces;
        this.client = redis.getRedis();
        this.json = json;
        this.metrics = metrics;
        this.capacity = policy.usage().bufferSize();
        this.writeTimeout = policy.usage().writeTimeout();
        this.shutdownFlush = policy.usage().shutdownFlush();
        metrics.usageBuffered(pendingCount::get);
    }

    /** Fire and forget: the caller's answer never waits for Redis. The event carries the request's trace. */
    public void record(UsageEvent call) {
        String traceparent = call.traceparent() == null ? traces.traceparent() : null;
        UsageEvent event = traceparent == null ? call : call.withTraceparent(traceparent);
        String payload;
        try {
            payload = json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            Log.errorf(e, "usage event %s could not be serialised", event.eventId());
            return;
        }
        if (enqueue(event.eventId(), payload)) {
            write();
        }
    }

    /** Events not in Redis yet: waiting for Redis, or in the write under way. */
    public int pending() {
        return pendingCount.get();
    }

    @Scheduled(every = "${verity.cascade.usage.flush-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void flush() {
        if (pendingCount.get() > 0) {
            write();
        }
    }

    /**
     * A stopping cascade writes what it still holds before Redis goes. Quarkus fires the shutdown
     * event after the HTTP drain (every request has recorded its event) and before it closes any
     * client, so the events of the last calls, and a write still out, are not lost with the process.
     * It runs on the shutdown thread, which may wait.
     */
    void flushBeforeExit(@Observes ShutdownEvent stop) {
        long deadline = System.nanoTime() + shutdownFlush.toNanos();
        while (pendingCount.get() > 0 && System.nanoTime() < deadline) {
            write();
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        int left = pendingCount.get();
        if (left > 0) {
            List<String> ids = new ArrayList<>();
            for (String payload : pending) {
                ids.add(eventIdOf(payload));
            }
            Log.errorf("stopping with %d usage event(s) not written to Redis after %s; lost: %s", left, shutdownFlush, ids);
        } else {
            Log.info("usage events all written to Redis before stopping");
        }
    }

    private String eventIdOf(String payload) {
        try {
            return json.readTree(payload).path("event_id").asText();
        } catch (JsonProcessingException e) {
            return "(unreadable)";
        }
    }

    /**
     * Starts a write of the queue's head unless one is under way (that one starts the next when it
     * ends). On failure the events stay at the head, in order, for the next record or flush.
     */
    private void write() {
        if (!writing.compareAndSet(false, true)) {
            return;
        }
        List<String> batch = new ArrayList<>(Math.min(MAX_BATCH, Math.max(1, pendingCount.get())));
        for (String payload : pending) {
            if (batch.size() == MAX_BATCH) {
                break;
            }
            batch.add(payload);
        }
        if (batch.isEmpty()) {
            // Counted but not queued yet when the queue was read: whoever queues it next writes it.
            writing.set(false);
            if (!pending.isEmpty()) {
                write();
            }
            return;
        }
        append(batch).subscribe().with(
                written -> {
                    for (int i = 0; i < batch.size(); i++) {
                        pending.poll();
                    }
                    int left = pendingCount.addAndGet(-batch.size());
                    writing.set(false);
                    if (left == 0 && buffering.compareAndSet(true, false)) {
                        Log.info("buffered usage events flushed to Redis");
                    }
                    // Read again after letting go: an event queued while this write was out is sent now.
                    if (pendingCount.get() > 0) {
                        write();
                    }
                },
                failure -> {
                    buffering.set(true);
                    writing.set(false);
                    RepeatedWarning.Line line = unreachable.record(failure.toString());
                    if (line != null) {
                        Log.warnf("usage events buffered, Redis unreachable (%d failed write(s) since the last such line, "
                                + "latest: %s); %d event(s) waiting", line.occurrences(), line.latest(), pendingCount.get());
                    }
                });
    }

    private Uni<List<Response>> append(List<String> payloads) {
        List<Request> commands = new ArrayList<>(payloads.size());
        for (String payload : payloads) {
            commands.add(Request.cmd(Command.XADD).arg(UsageEvent.STREAM).arg("*").arg(UsageEvent.STREAM_FIELD).arg(payload));
        }
        return client.batch(commands).ifNoItem().after(writeTimeout).fail();
    }

    /** False when the event does not fit: then it is counted as lost and logged with its id. */
    private boolean enqueue(String eventId, String payload) {
        if (pendingCount.incrementAndGet() > capacity) {
            pendingCount.decrementAndGet();
            metrics.usageDropped();
            Log.errorf("usage event %s lost: Redis unreachable and %d events already buffered", eventId, capacity);
            return false;
        }
        pending.add(payload);
        return true;
    }
}
