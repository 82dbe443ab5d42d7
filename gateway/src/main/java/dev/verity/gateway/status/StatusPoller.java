package dev.verity.gateway.status;

import dev.verity.gateway.config.StatusConfig;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The safety net under Redis pushes: every service's {@code GET /v1/status} on an interval. A
 * service that cannot be reached (connection refused or reset) is marked unavailable at once, so
 * requests fail at once instead of waiting for a timeout; one whose checks time out is marked so
 * only after {@code verity.status.misses-before-unavailable} timeouts in a row during which it
 * answered no forwarded request either, because a single
 * slow answer on a busy machine says nothing about the service (it was the cause of errors under
 * light bench load: every request refused until the next good check). With Redis down this is
 * the only status feed.
 */
@ApplicationScoped
public class StatusPoller {

    private final List<StatusSource> sources;
    private final ServiceDirectory directory;
    private final int missesBeforeUnavailable;
    /** Timed-out checks in a row, per service; a good answer or a refused connection resets it. */
    private final Map<String, AtomicInteger> misses = new ConcurrentHashMap<>();
    /** When the previous check of each service started (System.nanoTime). */
    private final Map<String, AtomicLong> lastCheck = new ConcurrentHashMap<>();

    public StatusPoller(Instance<StatusSource> sources, ServiceDirectory directory, StatusConfig config) {
        this.sources = sources.stream().toList();
        this.directory = directory;
        this.missesBeforeUnavailable = Math.max(1, config.missesBeforeUnavailable());
    }

    @Scheduled(every = "${verity.status.poll-interval:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledPoll() {
        return pollAll();
    }

    /** Asks every service now and records the answers. */
    public Uni<Void> pollAll() {
        List<Uni<Void>> polls = sources.stream().map(this::poll).toList();
        return Uni.join().all(polls).andCollectFailures().replaceWithVoid();
    }

    private Uni<Void> poll(StatusSource source) {
        String service = source.service();
        long previousCheck = lastCheck.computeIfAbsent(service, s -> new AtomicLong(System.nanoTime())).getAndSet(System.nanoTime());
        return source.status()
                .invoke(status -> {
                    missesOf(service).set(0);
                    directory.update(status);
                })
                .onFailure().invoke(e -> {
                    Log.debugf("status check of %s failed: %s", service, e.toString());
                    if (!Timeouts.isTimeout(e)) {
                        missesOf(service).set(0);
                        directory.markUnreachable(service, "not answering status checks");
                        return;
                    }
                    if (directory.answeredSince(service, previousCheck)) {
                        // It answered real requests since the last check: busy, not gone (the bench's
                        // 1,000/s errors were a working cascade taken out by late checks).
                        missesOf(service).set(0);
                        Log.debugf("status check of %s timed out, but it answered requests since the last check", service);
                        return;
                    }
                    int inARow = missesOf(service).incrementAndGet();
                    if (inARow >= missesBeforeUnavailable) {
                        directory.markUnreachable(service, "status checks timed out " + inARow + " times in a row");
                    } else {
                        Log.infof("status check of %s timed out (%d of %d in a row before it is marked unavailable)",
                                service, inARow, missesBeforeUnavailable);
                    }
                })
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private AtomicInteger missesOf(String service) {
        return misses.computeIfAbsent(service, s -> new AtomicInteger());
    }
}
