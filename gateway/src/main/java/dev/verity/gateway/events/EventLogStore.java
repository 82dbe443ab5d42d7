package dev.verity.gateway.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Event;
import dev.verity.contract.EventLogScript;
import dev.verity.contract.RedisKeys;
import dev.verity.runtime.log.RepeatedWarning;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's side of {@code verity:eventlog:<user>}: replays a user's history for
 * resume, and logs the events the gateway itself originates ({@code request_queued}, the
 * {@code agent_failed} that ends a run whose agent stream broke) exactly as the execution agent's
 * {@code EventLog} does: one script appends, refreshes the TTL and publishes, so ids increase per
 * user and pub/sub order is id order. Redis being down never loses a local delivery: the event
 * then gets a local id of the same form, above every id this replica issued to that user.
 */
@ApplicationScoped
public class EventLogStore {

    public static final String LOG_PREFIX = RedisKeys.EVENT_LOG_PREFIX;
    public static final String CHANNEL_PREFIX = RedisKeys.EVENTS_CHANNEL_PREFIX;
    public static final String FIELD = "event";

    private static final String APPEND_SCRIPT = EventLogScript.APPEND;
    private static final int TRACKED_USERS = 10_000;

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper json;
    private final EventsConfig config;
    private final EventLogConfig logConfig;
    private final Map<String, StreamId> lastIssued = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, StreamId> eldest) {
            return size() > TRACKED_USERS;
        }
    };
    private final Map<String, Boolean> issuedLocally = new LinkedHashMap<>();
    private final Map<String, CompletableFuture<Appended>> pending = new ConcurrentHashMap<>();
    private final RepeatedWarning unlogged = new RepeatedWarning(Duration.ofSeconds(10));

    public EventLogStore(ReactiveRedisDataSource redis, ObjectMapper json, EventsConfig config, EventLogConfig logConfig,
            MeterRegistry registry) {
        this.redis = redis;
        this.json = json;
        this.config = config;
        this.logConfig = logConfig;
        FunctionCounter.builder("verity.events.unlogged", unlogged, RepeatedWarning::total)
                .description("Events delivered on this replica only because Redis did not take them into the event log")
                .register(registry);
    }

    /** The outcome of an append: the event with its id, and whether other replicas will see it. */
    public record Appended(Event event, boolean shared) {
    }

    /**
     * Appends in call order per user: the admission controller fires queue positions one after
     * the other without waiting, and "position 3" must not overtake "position 1" in Redis.
     */
    public Uni<Appended> append(Event event) {
        String user = event.userId();
        CompletableFuture<Appended> mine = pending.compute(user, (key, tail) -> {
            CompletableFuture<?> before = tail == null ? CompletableFuture.completedFuture(null) : tail;
            return before.handle((ignored, failure) -> null)
                    .thenCompose(ignored -> appendNow(event).subscribeAsCompletionStage());
        });
        mine.whenComplete((appended, failure) -> pending.remove(user, mine));
        return Uni.createFrom().completionStage(mine);
    }

    private Uni<Appended> appendNow(Event event) {
        String payload;
        try {
            payload = json.writeValueAsString(event.withEventId(null).withClientRef(null));
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        String user = event.userId();
        return redis.execute("EVAL", APPEND_SCRIPT, "1", LOG_PREFIX + user, payload,
                        Long.toString(logConfig.maxLength()), Long.toString(Math.max(1, logConfig.ttl().toSeconds())),
                        wantedId(user), CHANNEL_PREFIX + user)
                .ifNoItem().after(config.redisTimeout()).fail()
                .map(reply -> new Appended(event.withEventId(recordRedisId(user, reply.toString())), true))
                .onFailure().recoverWithItem(e -> {
                    String local = nextLocalId(user);
                    // Queue positions under overload come by the thousand: counted each, logged once per interval.
                    RepeatedWarning.Line line = unlogged.record("event " + event.type().wire() + " of request "
                            + event.requestId() + ", Redis: " + e);
                    if (line != null) {
                        Log.warnf("%d event(s) not logged since the last such line, local delivery only (latest: %s); "
                                + "all are counted in verity.events.unlogged", line.occurrences(), line.latest());
                    }
                    return new Appended(event.withEventId(local), false);
                });
    }

    /** A page of the user's events strictly after {@code afterId}, oldest first. Fails when Redis does. */
    public Uni<Page> after(String user, String afterId, int limit) {
        return redis.stream(String.class)
                .xrange(LOG_PREFIX + user, StreamRange.of("(" + afterId, "+"), limit + 1)
                .ifNoItem().after(config.redisTimeout()).fail()
                .map(messages -> {
                    List<Event> events = new ArrayList<>();
                    for (StreamMessage<String, String, String> message : messages) {
                        if (events.size() == limit) {
                            break;
                        }
                        Event parsed = parse(user, message);
                        if (parsed != null) {
                            events.add(parsed);
                        }
                    }
                    return new Page(events, messages.size() > limit);
                });
    }

    public record Page(List<Event> events, boolean more) {
    }

    private Event parse(String user, StreamMessage<String, String, String> message) {
        try {
            Event event = json.readValue(message.payload().get(FIELD), Event.class).withEventId(message.id());
            if (!user.equals(event.userId())) {
                // The key names the user; an entry claiming someone else is a writer bug and is never shown.
                Log.errorf("eventlog of %s holds entry %s for another user; skipped", user, message.id());
                return null;
            }
            return event;
        } catch (Exception e) {
            Log.errorf("eventlog of %s holds an unreadable entry %s; skipped: %s", user, message.id(), e.getMessage());
            return null;
        }
    }

    private synchronized String wantedId(String user) {
        return issuedLocally.containsKey(user) ? StreamId.next(lastIssued.get(user)).toString() : "*";
    }

    private synchronized String recordRedisId(String user, String id) {
        StreamId issued = StreamId.parse(id);
        StreamId last = lastIssued.get(user);
        if (last == null || issued.compareTo(last) > 0) {
            lastIssued.put(user, issued);
            issuedLocally.remove(user);
        }
        return id;
    }

    private synchronized String nextLocalId(String user) {
        StreamId id = StreamId.next(lastIssued.get(user));
        lastIssued.put(user, id);
        issuedLocally.put(user, Boolean.TRUE);
        if (issuedLocally.size() > TRACKED_USERS) {
            issuedLocally.remove(issuedLocally.keySet().iterator().next());
        }
        return id.toString();
    }
}
