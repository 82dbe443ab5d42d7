package dev.verity.cascade.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.cascade.config.CascadePolicy;
import dev.verity.contract.UsageEvent;
import dev.verity.runtime.trace.TraceContext;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Appends one {@link UsageEvent} per provider call to {@code verity:usage}. Redis
 * down never fails the user's request: events wait in a bounded in-memory queue, in order, and are
 * flushed when Redis answers again. An event that does not fit is counted
 * ({@code verity.cascade.usage.events.dropped}) and logged with its id, never silently lost.
 */
@ApplicationScoped
public class UsageRecorder {

    private final ReactiveStreamCommands<String, String, String> stream;
    private final ObjectMapper json;
    private final CascadeMetrics metrics;
    private final TraceContext traces;
    private final int capacity;
    private final Duration writeTimeout;
    private final ConcurrentLinkedQueue<String> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicBoolean flushing = new AtomicBoolean();

    public UsageRecorder(ReactiveRedisDataSource redis, ObjectMapper json, CascadeMetrics metrics, CascadePolicy policy,
            TraceContext traces) {
        this.traces = traces;
        this.stream = redis.stream(String.class);
        this.json = json;
        this.metrics = metrics;
        this.capacity = policy.usage().bufferSize();
        this.writeTimeout = policy.usage().writeTimeout();
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
        if (pendingCount.get() > 0) {
            // Keep the stream in call order: later events queue behind the buffered ones.
            enqueue(event.eventId(), payload);
            flush().subscribe().with(ignored -> { }, ignored -> { });
            return;
        }
        append(payload).subscribe().with(
                id -> { },
                failure -> {
                    Log.warnf("usage event %s buffered, Redis unreachable: %s", event.eventId(), failure.getMessage());
                    enqueue(event.eventId(), payload);
                });
    }

    public int pending() {
        return pendingCount.get();
    }

    @Scheduled(every = "${verity.cascade.usage.flush-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> flush() {
        if (pendingCount.get() == 0 || !flushing.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        return drain()
                .onFailure().invoke(e -> Log.debugf("usage flush paused, Redis unreachable: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .eventually(() -> flushing.set(false));
    }

    private Uni<Void> drain() {
        String head = pending.peek();
        if (head == null) {
            return Uni.createFrom().voidItem();
        }
        return append(head).chain(id -> {
            pending.poll();
            if (pendingCount.decrementAndGet() == 0) {
                Log.info("buffered usage events flushed to Redis");
            }
            return drain();
        });
    }

    private Uni<String> append(String payload) {
        return stream.xadd(UsageEvent.STREAM, Map.of(UsageEvent.STREAM_FIELD, payload))
                .ifNoItem().after(writeTimeout).fail();
    }

    private void enqueue(String eventId, String payload) {
        if (pendingCount.incrementAndGet() > capacity) {
            pendingCount.decrementAndGet();
            metrics.usageDropped();
            Log.errorf("usage event %s lost: Redis unreachable and %d events already buffered", eventId, capacity);
            return;
        }
        pending.add(payload);
    }
}
