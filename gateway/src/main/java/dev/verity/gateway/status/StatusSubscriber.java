package dev.verity.gateway.status;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.ServiceStatus;
import dev.verity.gateway.config.StatusConfig;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Status pushes on Redis {@code verity:status}: changes arrive within milliseconds instead of at
 * the next poll. When Redis is down the subscription is retried on every poll tick.
 */
@ApplicationScoped
public class StatusSubscriber {

    private final ReactiveRedisDataSource redis;
    private final ServiceDirectory directory;
    private final ObjectMapper json;
    private final String channel;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private volatile Cancellable subscription;

    public StatusSubscriber(ReactiveRedisDataSource redis, ServiceDirectory directory, ObjectMapper json, StatusConfig config) {
        this.redis = redis;
        this.directory = directory;
        this.json = json.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        this.channel = config.channel();
    }

    void onStart(@Observes StartupEvent start) {
        subscribe();
    }

    /** True while pushes arrive; false means the gateway knows status from polls only. */
    public boolean isSubscribed() {
        return subscribed.get();
    }

    @Scheduled(every = "${verity.status.poll-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void resubscribe() {
        if (!subscribed.get()) {
            subscribe();
        }
    }

    private synchronized void subscribe() {
        if (subscribed.get()) {
            return;
        }
        subscribed.set(true);
        subscription = redis.pubsub(String.class).subscribe(channel)
                .subscribe().with(this::accept, failure -> {
                    subscribed.set(false);
                    Log.warnf("status channel %s lost, polling only until Redis is back: %s", channel, failure.toString());
                }, () -> subscribed.set(false));
    }

    private void accept(String message) {
        try {
            ServiceStatus status = json.readValue(message, ServiceStatus.class);
            if (status.service() != null && status.status() != null) {
                directory.update(status);
            }
        } catch (Exception e) {
            Log.warnf("ignoring malformed message on %s: %s", channel, e.getMessage());
        }
    }

    void stop(@Observes io.quarkus.runtime.ShutdownEvent stop) {
        Cancellable current = subscription;
        if (current != null) {
            current.cancel();
        }
    }
}
