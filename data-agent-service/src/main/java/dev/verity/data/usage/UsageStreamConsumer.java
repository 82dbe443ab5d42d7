package dev.verity.data.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.UsageEvent;
import dev.verity.data.config.DataConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XAddArgs;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Consumes {@code verity:usage} in group {@code data-agent}. An entry is
 * acknowledged only after its row is committed, and the insert is idempotent on the event id, so a
 * redelivery or a consumer that died between insert and ack neither loses nor duplicates a call.
 * Entries left pending by any consumer are claimed after an idle time; entries that can never be
 * stored are moved, with the reason, to the dead-letter stream and acknowledged.
 */
@ApplicationScoped
public class UsageStreamConsumer {

    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(5);
    /** Prometheus {@code verity_usage_dead_letters_total{reason}}: every entry moved to the dead-letter stream. */
    static final String DEAD_LETTERS = "verity.usage.dead_letters";

    private final ReactiveStreamCommands<String, String, String> streams;
    private final UsageStore store;
    private final ObjectMapper json;
    private final DataConfig.Stream config;
    private final Vertx vertx;
    private final IngestSpans spans;
    private final String consumer;
    private final Counter stored;
    private final MeterRegistry meters;
    private volatile boolean groupReady;
    private volatile boolean stopped;
    private volatile Duration backoff;
    private volatile ComponentStatus state = ComponentStatus.down("not started yet");
    private volatile boolean reportedWaiting;

    public UsageStreamConsumer(ReactiveRedisDataSource redis, UsageStore store, ObjectMapper json, DataConfig config,
            Vertx vertx, MeterRegistry meters, IngestSpans spans) {
        this.spans = spans;
        this.stored = meters.counter("verity.usage.events.stored");
        this.meters = meters;
        this.streams = redis.stream(String.class, String.class, String.class);
        this.store = store;
        this.json = json;
        this.config = config.stream();
        this.vertx = vertx;
        String host = System.getenv("HOSTNAME");
        this.consumer = this.config.consumerName()
                .orElse(host == null || host.isBlank() ? "data-agent-" + UUID.randomUUID() : host);
        this.backoff = this.config.retryInitialBackoff();
    }

    /** The consumer's health for {@code /v1/status}: up, or down with what it waits for. */
    public ComponentStatus state() {
        return state;
    }

    public String consumerName() {
        return consumer;
    }

    void onStart(@Observes StartupEvent start) {
        if (config.enabled()) {
            Log.infof("consuming %s as %s/%s", config.key(), config.group(), consumer);
            vertx.runOnContext(v -> poll());
        } else {
            state = ComponentStatus.down("disabled by configuration (verity.data.stream.enabled=false)");
        }
    }

    void onStop(@Observes ShutdownEvent stop) {
        stopped = true;
    }

    private void poll() {
        if (stopped) {
            return;
        }
        ensureGroup()
                .chain(() -> streams.xreadgroup(config.group(), consumer, config.key(), ">",
                        new XReadGroupArgs().count(config.batchSize()).block(config.block())))
                .ifNoItem().after(config.block().plus(REDIS_TIMEOUT)).fail()
                .chain(messages -> handle(messages == null ? List.of() : messages))
                .subscribe().with(
                        ignored -> {
                            healthy();
                            vertx.runOnContext(v -> poll());
                        },
                        failure -> {
                            unhealthy(failure);
                            vertx.setTimer(backoff.toMillis(), id -> poll());
                            backoff = min(backoff.multipliedBy(2), config.retryMaxBackoff());
                        });
    }

    /** Takes over entries another consumer (or this one, after a failed insert) left unacknowledged. */
    @Scheduled(every = "${verity.data.stream.claim-interval:10s}", delayed = "${verity.data.stream.claim-interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> claimAbandoned() {
        if (!config.enabled() || stopped || !groupReady) {
            return Uni.createFrom().voidItem();
        }
        return claimFrom("0-0")
                .onFailure().invoke(this::unhealthy)
                .onFailure().recoverWithNull();
    }

    private Uni<Void> claimFrom(String cursor) {
        return streams.xautoclaim(config.key(), config.group(), consumer, config.claimMinIdle(), cursor,
                        config.batchSize())
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .chain(claimed -> {
                    List<StreamMessage<String, String, String>> messages = claimed.getMessages();
                    if (!messages.isEmpty()) {
                        Log.infof("claimed %d abandoned usage entries", messages.size());
                    }
                    String next = claimed.getId();
                    return handle(messages).chain(() -> next == null || "0-0".equals(next)
                            ? Uni.createFrom().voidItem() : claimFrom(next));
                });
    }

    private Uni<Void> ensureGroup() {
        if (groupReady) {
            return Uni.createFrom().voidItem();
        }
        // From the start of the stream: events appended before the group existed are stored too.
        return streams.xgroupCreate(config.key(), config.group(), "0", new XGroupCreateArgs().mkstream())
                .onFailure(e -> String.valueOf(e.getMessage()).contains("BUSYGROUP")).recoverWithNull()
                .invoke(() -> groupReady = true);
    }

    /**
     * Stores the valid entries and records the rejected ones in one transaction, then moves the
     * rejected ones to the dead-letter stream, then acknowledges. While PostgreSQL is down nothing
     * is acknowledged: every entry waits in the stream and is stored once it is back.
     */
    Uni<Void> handle(List<StreamMessage<String, String, String>> messages) {
        if (messages.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<UsageCall> calls = new ArrayList<>();
        List<String> storedIds = new ArrayList<>();
        List<Rejection> rejections = new ArrayList<>();
        IngestSpans.Batch traced = spans.batch();
        for (StreamMessage<String, String, String> message : messages) {
            Map<String, String> payload = message.payload();
            if (payload == null || payload.isEmpty()) {
                // Trimmed from the stream while pending: nothing left to store.
                storedIds.add(message.id());
                continue;
            }
            switch (check(message.id(), payload.get(UsageEvent.STREAM_FIELD))) {
                case Checked.Valid valid -> {
                    calls.add(valid.call());
                    storedIds.add(message.id());
                    traced.received(valid.event(), null);
                }
                case Checked.Rejected rejected -> {
                    rejections.add(rejected.rejection());
                    traced.received(rejected.event(), rejected.rejection().reason());
                }
            }
        }
        return store.store(calls, rejections)
                .invoke(inserted -> {
                    stored.increment(inserted);
                    if (!calls.isEmpty()) {
                        Log.debugf("stored %d of %d usage events (%d already present)", (Object) inserted, calls.size(),
                                calls.size() - inserted);
                    }
                })
                .chain(() -> rejections.isEmpty() ? Uni.createFrom().voidItem()
                        : Uni.join().all(rejections.stream().map(this::deadLetter).toList()).andFailFast()
                                .replaceWithVoid())
                .chain(() -> ack(storedIds))
                .invoke(traced::committed)
                .onFailure().invoke(traced::failed);
    }

    /** One stream entry, read and validated: a call to store, or why it cannot be. */
    sealed interface Checked {
        /** {@code event}: the parsed entry, for the ingestion span (its traceparent). */
        record Valid(UsageCall call, JsonNode event) implements Checked {
        }

        /** {@code event}: the parsed entry when it was JSON, else null. */
        record Rejected(Rejection rejection, JsonNode event) implements Checked {
        }
    }

    /** Reads and validates one entry's event; the re-drive of dead letters uses the same check. */
    Checked check(String sourceId, String raw) {
        if (raw == null) {
            return new Checked.Rejected(Rejection.unreadable(sourceId, null, "no_event_field",
                    "entry has no '" + UsageEvent.STREAM_FIELD + "' field"), null);
        }
        JsonNode node;
        try {
            node = json.readTree(raw);
        } catch (Exception e) {
            return new Checked.Rejected(Rejection.unreadable(sourceId, raw, "not_json", "event is not valid JSON"), null);
        }
        UsageValidator.Checked checked = UsageValidator.streamEvent(node);
        return checked.valid() ? new Checked.Valid(checked.call(), node)
                : new Checked.Rejected(Rejection.invalid(sourceId, raw, node, checked.errors()), node);
    }

    private Uni<Void> deadLetter(Rejection rejection) {
        Log.warnf("usage entry %s (event %s) moved to %s: %s", rejection.sourceId(), rejection.eventId(),
                config.deadLetterKey(), rejection.reason());
        Map<String, String> entry = new java.util.HashMap<>();
        entry.put("source_id", rejection.sourceId());
        entry.put("reason", rejection.reason());
        entry.put("consumer", consumer);
        if (rejection.raw() != null) {
            entry.put(UsageEvent.STREAM_FIELD, rejection.raw());
        }
        // Capped (approximately, which is cheap for Redis) so a flood of bad entries cannot fill memory.
        return streams.xadd(config.deadLetterKey(),
                        new XAddArgs().maxlen(config.deadLetterMaxLength()).nearlyExactTrimming(), entry)
                .chain(() -> streams.xack(config.key(), config.group(), rejection.sourceId()))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .invoke(() -> meters.counter(DEAD_LETTERS, "reason", rejection.reasonTag()).increment())
                .replaceWithVoid();
    }

    private Uni<Void> ack(List<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return streams.xack(config.key(), config.group(), ids.toArray(String[]::new))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .replaceWithVoid();
    }

    private void healthy() {
        backoff = config.retryInitialBackoff();
        reportedWaiting = false;
        if (!state.isUp()) {
            Log.infof("usage stream consumer running");
        }
        state = ComponentStatus.up();
    }

    private void unhealthy(Throwable failure) {
        if (String.valueOf(failure.getMessage()).contains("NOGROUP")) {
            // The stream or group was deleted under us: create it again on the next poll.
            groupReady = false;
        }
        if (!reportedWaiting) {
            reportedWaiting = true;
            Log.warnf("usage stream consumer waiting (retrying with backoff): %s", failure.toString());
        }
        // Entries stay pending in Redis until they are stored: the wait loses nothing.
        state = ComponentStatus.down("usage ingestion paused: Redis or PostgreSQL unreachable; retrying");
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
