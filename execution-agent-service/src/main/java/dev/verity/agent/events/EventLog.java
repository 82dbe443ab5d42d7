package dev.verity.agent.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Event;
import dev.verity.contract.EventLogScript;
import dev.verity.contract.RedisKeys;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The per-user run event log: gives every event its {@code event_id} and
 * makes it reach the user's sockets on every gateway replica.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #append(Event)} takes an event whose {@code user_id} is set (the run's caller) and
 *       returns the same event with {@code event_id} filled in. Call it for every run event, in
 *       the order the run emits them, and send the <em>returned</em> event on the run's SSE
 *       stream, so the gateway can drop the copy it also receives through pub/sub.</li>
 *   <li>With Redis up, one atomic script does {@code XADD verity:eventlog:<user> MAXLEN ~ <max> *
 *       event <json-without-event_id>}, refreshes the key's TTL ({@code EXPIRE}), and
 *       {@code PUBLISH}es the event JSON <em>with</em> {@code event_id} on
 *       {@code verity:events:<user>}. The stream entry id ({@code <ms>-<seq>}) is the event id, so
 *       ids increase per user, {@code XRANGE (<id> +} replays exactly what came after an id, and
 *       pub/sub order equals id order even when two runs of the same user append concurrently.</li>
 *   <li>With Redis down or slow (over {@code verity.eventlog.redis-timeout}), the run does not
 *       fail: the event comes back with a locally generated id of the same {@code <ms>-<seq>}
 *       form, greater than every id this process issued to that user before, and a warning is
 *       logged. Such an event is only delivered through the run's own SSE stream (no other
 *       replica, no resume); the next append that reaches Redis asks for an id above it, so ids
 *       keep increasing per user.</li>
 *   <li>Configuration: {@code verity.eventlog.max-length} (approximate cap per user, default
 *       10000), {@code verity.eventlog.ttl} (history kept after the user's last event, default
 *       24h), {@code verity.eventlog.redis-timeout} (default 2s).</li>
 * </ul>
 */
@ApplicationScoped
public class EventLog {

    public static final String LOG_PREFIX = RedisKeys.EVENT_LOG_PREFIX;
    public static final String CHANNEL_PREFIX = RedisKeys.EVENTS_CHANNEL_PREFIX;
    /** Stream field that holds the event JSON (without event_id: the entry id is the event id). */
    public static final String FIELD = "event";

    static final String APPEND_SCRIPT = EventLogScript.APPEND;
    private static final int TRACKED_USERS = 10_000;

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper json;
    private final long maxLength;
    private final long ttlSeconds;
    private final Duration redisTimeout;
    /** Last id issued per user by this process, so ids stay monotonic across a Redis outage. */
    private final Map<String, StreamId> lastIssued = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, StreamId> eldest) {
            return size() > TRACKED_USERS;
        }
    };
    /** Users who got a local id since their last Redis-assigned one. */
    private final Map<String, Boolean> issuedLocally = new LinkedHashMap<>();

    public EventLog(ReactiveRedisDataSource redis, ObjectMapper json,
                    @ConfigProperty(name = "verity.eventlog.max-length", defaultValue = "10000") long maxLength,
                    @ConfigProperty(name = "verity.eventlog.ttl", defaultValue = "24h") Duration ttl,
                    @ConfigProperty(name = "verity.eventlog.redis-timeout", defaultValue = "2s") Duration redisTimeout) {
        this.redis = redis;
        this.json = json;
        this.maxLength = maxLength;
        this.ttlSeconds = Math.max(1, ttl.toSeconds());
        this.redisTimeout = redisTimeout;
    }

    /** Logs and publishes the event; never fails because of Redis (see the class contract). */
    public Uni<Event> append(Event event) {
        if (event.userId() == null || event.userId().isBlank()) {
            return Uni.createFrom().failure(new IllegalArgumentException("event without user_id cannot be logged"));
        }
        String payload;
        try {
            payload = json.writeValueAsString(event.withEventId(null));
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        String user = event.userId();
        return redis.execute("EVAL", APPEND_SCRIPT, "1", LOG_PREFIX + user,
                        payload, Long.toString(maxLength), Long.toString(ttlSeconds), wantedId(user), CHANNEL_PREFIX + user)
                .ifNoItem().after(redisTimeout).fail()
                .map(reply -> event.withEventId(recordRedisId(user, reply.toString())))
                .onFailure().recoverWithItem(e -> {
                    String local = nextLocalId(user);
                    Log.warnf("event %s of request %s not logged (Redis: %s); delivered on the run stream only, id %s",
                            event.type().wire(), event.requestId(), e.getMessage(), local);
                    return event.withEventId(local);
                });
    }

    private synchronized String wantedId(String user) {
        if (!issuedLocally.containsKey(user)) {
            return "*";
        }
        return next(lastIssued.get(user)).toString();
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
        StreamId id = next(lastIssued.get(user));
        lastIssued.put(user, id);
        issuedLocally.put(user, Boolean.TRUE);
        if (issuedLocally.size() > TRACKED_USERS) {
            issuedLocally.remove(issuedLocally.keySet().iterator().next());
        }
        return id.toString();
    }

    private static StreamId next(StreamId last) {
        long now = System.currentTimeMillis();
        if (last == null || now > last.millis()) {
            return new StreamId(now, 0);
        }
        return new StreamId(last.millis(), last.sequence() + 1);
    }

    /** A Redis stream id {@code <ms>-<seq>}, ordered as Redis orders them. */
    record StreamId(long millis, long sequence) implements Comparable<StreamId> {

        static StreamId parse(String id) {
            int dash = id.indexOf('-');
            return new StreamId(Long.parseLong(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1)));
        }

        @Override
        public int compareTo(StreamId other) {
            int byMillis = Long.compare(millis, other.millis);
            return byMillis != 0 ? byMillis : Long.compare(sequence, other.sequence);
        }

        @Override
        public String toString() {
            return millis + "-" + sequence;
        }
    }
}
