package dev.verity.gateway.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.ComponentStatus;
import dev.verity.gateway.guard.RunEventCheck;
import dev.verity.gateway.status.RelayHealth;
import dev.verity.contract.Event;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.ReactivePubSubCommands.ReactiveRedisSubscriber;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Brings events published on {@code verity:events:<user>} by any service or replica to this
 * replica's sockets of that user. Redis going away is noticed (subscription end,
 * failed checks), reported through {@link #component()}, and healed by subscribing again; while it
 * lasts, runs on this replica still reach their sockets through their own stream.
 */
@ApplicationScoped
public class EventRelay implements RelayHealth {

    static final String PATTERN = EventLogStore.CHANNEL_PREFIX + "*";

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper json;
    private final Subscribers subscribers;
    private final EventsConfig config;
    private final RunEventCheck check;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private volatile ReactiveRedisSubscriber subscription;
    private volatile boolean redisReachable;
    private volatile long timer = -1;
    private volatile int missedChecks;

    public EventRelay(ReactiveRedisDataSource redis, ObjectMapper json, Subscribers subscribers, EventsConfig config,
                      RunEventCheck check) {
        this.redis = redis;
        this.json = json;
        this.subscribers = subscribers;
        this.config = config;
        this.check = check;
    }

    void start(@Observes StartupEvent start, Vertx vertx) {
        check();
        timer = vertx.setPeriodic(Math.max(500, config.redisTimeout().toMillis()), tick -> check());
    }

    void stop(@Observes ShutdownEvent stop, Vertx vertx) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Whether events cross replicas and resume works right now. */
    public boolean isShared() {
        return redisReachable && subscription != null;
    }

    /**
     * The {@code events} component of the gateway status: up when events cross
     * replicas and can be resumed, down with what still works when Redis is unreachable.
     */
    @Override
    public ComponentStatus component() {
        return isShared() ? ComponentStatus.up() : ComponentStatus.down(
                "Redis unreachable: events reach only sockets on the replica running the run; resume and cross-replica delivery unavailable");
    }

    private void check() {
        redis.execute("PING")
                .ifNoItem().after(config.redisTimeout()).fail()
                .subscribe().with(pong -> {
                    missedChecks = 0;
                    redisReachable = true;
                    if (subscription == null) {
                        subscribe();
                    }
                }, failure -> {
                    // One slow PING on a busy machine is not an outage: dropping a working subscription
                    // for it lost every event published until the next check re-subscribed. A real loss
                    // ends the subscription itself (ended/failed); a silent one shows as misses in a row.
                    if (++missedChecks < config.redisMissesBeforeDrop()) {
                        Log.debugf("Redis check missed (%d in a row): %s", missedChecks, failure.getMessage());
                        return;
                    }
                    if (redisReachable) {
                        Log.warnf("Redis unreachable (%s): events stay on this replica, resume unavailable", failure.getMessage());
                    }
                    redisReachable = false;
                    drop();
                });
    }

    private void subscribe() {
        if (!connecting.compareAndSet(false, true)) {
            return;
        }
        redis.pubsub(String.class)
                .subscribeToPattern(PATTERN, this::relay, this::ended, this::failed)
                .ifNoItem().after(config.redisTimeout()).fail()
                .subscribe().with(subscribed -> {
                    subscription = subscribed;
                    connecting.set(false);
                    Log.infof("relaying %s to this replica's sockets", PATTERN);
                }, failure -> {
                    connecting.set(false);
                    Log.warnf("subscribing to %s failed: %s", PATTERN, failure.getMessage());
                });
    }

    private void ended() {
        Log.warnf("subscription to %s ended", PATTERN);
        subscription = null;
    }

    private void failed(Throwable failure) {
        Log.warnf("subscription to %s failed: %s", PATTERN, failure.getMessage());
        drop();
    }

    private void drop() {
        ReactiveRedisSubscriber gone = subscription;
        subscription = null;
        if (gone != null) {
            gone.unsubscribe().subscribe().with(done -> { }, failure -> { });
        }
    }

    private void relay(String channel, String payload) {
        String user = channel.substring(EventLogStore.CHANNEL_PREFIX.length());
        if (subscribers.openSockets(user) == 0) {
            return;
        }
        Event event;
        try {
            event = json.readValue(payload, Event.class);
        } catch (Exception e) {
            Log.errorf("unreadable event on %s dropped: %s", channel, e.getMessage());
            return;
        }
        if (!user.equals(event.userId()) || event.eventId() == null) {
            // Events go only to their own user's sockets, and only logged events (with an id) cross replicas.
            Log.errorf("event on %s for user %s / id %s dropped", channel, event.userId(), event.eventId());
            return;
        }
        // Checked here, on the replica whose sockets get it, whichever replica ran the run.
        subscribers.deliver(user, check.deliverable(event));
    }
}
