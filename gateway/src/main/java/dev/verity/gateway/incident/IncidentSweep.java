package dev.verity.gateway.incident;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Runs {@link Incidents#sweep()} on every replica; the database makes each change happen once. */
@ApplicationScoped
public class IncidentSweep {

    private final Incidents incidents;

    public IncidentSweep(Incidents incidents) {
        this.incidents = incidents;
    }

    @Scheduled(every = "${verity.incidents.sweep-interval:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return incidents.sweep()
                .invoke(done -> {
                    if (done.resolvedQuiet() + done.triggersSent() + done.resolvesResent() > 0) {
                        Log.infof("incident sweep: %d resolved after a quiet period, %d trigger notice(s) and %d resolve "
                                + "notice(s) sent, %d open", done.resolvedQuiet(), done.triggersSent(), done.resolvesResent(),
                                done.open());
                    }
                })
                .onFailure().recoverWithItem(e -> {
                    Log.warnf("incident sweep failed, the next one tries again: %s", e.getMessage());
                    return null;
                })
                .replaceWithVoid();
    }
}
