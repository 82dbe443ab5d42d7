package dev.verity.data.schema;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.flywaydb.core.Flyway;

/**
 * Migrates the telemetry schema at start, and keeps retrying while PostgreSQL is unreachable, so
 * the service boots (and answers honestly from the cache or with a problem) even when the database
 * is down at start, instead of crash-looping.
 */
@ApplicationScoped
public class SchemaMigrator {

    private final Instance<Flyway> flyway;
    private volatile boolean migrated;

    public SchemaMigrator(Instance<Flyway> flyway) {
        this.flyway = flyway;
    }

    public boolean migrated() {
        return migrated;
    }

    void onStart(@Observes StartupEvent start) {
        migrate();
    }

    @Scheduled(every = "${verity.data.migration-retry-interval:5s}", delayed = "${verity.data.migration-retry-interval:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void retry() {
        if (!migrated) {
            migrate();
        }
    }

    synchronized void migrate() {
        if (migrated) {
            return;
        }
        try {
            var result = flyway.get().migrate();
            migrated = true;
            Log.infof("telemetry schema ready (%d migrations applied now)", result.migrationsExecuted);
        } catch (RuntimeException e) {
            // The cause names the host; it stays in the operator log.
            Log.warnf("telemetry schema not migrated yet (retrying): %s", e.getMessage());
        }
    }
}
