package dev.verity.gateway.status;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.List;

/**
 * The safety net under Redis pushes: every service's {@code GET /v1/status} on an interval. A
 * service that does not answer is marked unavailable, so requests fail at once instead of waiting
 * for a timeout. With Redis down this is the only status feed.
 */
@ApplicationScoped
public class StatusPoller {

    private final List<StatusSource> sources;
    private final ServiceDirectory directory;

    public StatusPoller(Instance<StatusSource> sources, ServiceDirectory directory) {
        this.sources = sources.stream().toList();
        this.directory = directory;
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
        return source.status()
                .invoke(directory::update)
                .onFailure().invoke(e -> {
                    Log.debugf("status check of %s failed: %s", source.service(), e.toString());
                    directory.markUnreachable(source.service(), "not answering status checks");
                })
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
