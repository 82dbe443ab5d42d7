package dev.verity.data.status;

import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ServiceState;
import dev.verity.data.query.Databases;
import dev.verity.data.schema.SchemaMigrator;
import dev.verity.data.usage.UsageStreamConsumer;
import dev.verity.runtime.status.StatusDecision;
import dev.verity.runtime.status.StatusReporter;
import dev.verity.runtime.status.Verdict;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.TreeMap;

/**
 * The data agent's capability status (DESIGN §9): the primary answers with its schema in place →
 * ready; the primary is down but the replica or the last-good cache (Redis) can answer → degraded;
 * nothing can answer → unavailable. Usage events rejected in the last hour (dead letters not yet
 * re-driven) turn a ready service degraded, with a reason that counts them.
 */
@ApplicationScoped
public class DataStatus implements StatusDecision {

    private final Databases databases;
    private final SchemaMigrator schema;
    private final UsageStreamConsumer consumer;
    private static final String RECENT_REJECTIONS = """
            SELECT count(*) FROM telemetry.usage_rejections
            WHERE redriven_at IS NULL AND rejected_at > now() - interval '1 hour'""";

    public DataStatus(Databases databases, SchemaMigrator schema, UsageStreamConsumer consumer) {
        this.databases = databases;
        this.schema = schema;
        this.consumer = consumer;
    }

    @Override
    public String initializing() {
        return "checking PostgreSQL and Redis";
    }

    @Override
    public Uni<Verdict> decide(Uni<ComponentStatus> redis) {
        Uni<ComponentStatus> postgres = ping(databases.primary(), "PostgreSQL does not answer");
        Uni<ComponentStatus> replica = databases.replica()
                .map(pool -> ping(pool, "read replica does not answer"))
                .orElse(Uni.createFrom().nullItem());
        return Uni.combine().all().unis(postgres, replica, redis, recentRejections()).asTuple()
                .map(checks -> withRejections(verdict(checks.getItem1(), checks.getItem2(), checks.getItem3()),
                        checks.getItem4()));
    }

    /**
     * Usage events rejected in the last hour and not re-driven; -1 when it cannot be counted (the
     * database is down or not migrated yet, which the verdict reports on its own).
     */
    private Uni<Long> recentRejections() {
        if (!schema.migrated()) {
            return Uni.createFrom().item(-1L);
        }
        return databases.primary().query(RECENT_REJECTIONS).execute()
                .ifNoItem().after(StatusReporter.CHECK_TIMEOUT).fail()
                .map(rows -> rows.iterator().next().getLong(0))
                .onFailure().recoverWithItem(-1L);
    }

    /** A ready service with recent dead letters is degraded: some calls are missing from every metric. */
    private static Verdict withRejections(Verdict verdict, long rejected) {
        if (rejected <= 0) {
            return verdict;
        }
        Map<String, ComponentStatus> components = new TreeMap<>(verdict.components());
        components.put("usage_dead_letters", ComponentStatus.down(rejected + " usage event(s) rejected in the last hour"));
        String reason = rejected + " usage event(s) rejected in the last hour and held in the dead-letter stream: "
                + "metrics and cost analysis over their window are incomplete until an operator re-drives them";
        if (verdict.state() == ServiceState.READY) {
            return new Verdict(ServiceState.DEGRADED, reason, components);
        }
        return new Verdict(verdict.state(), verdict.reason() == null ? reason : verdict.reason() + "; " + reason,
                components);
    }

    private static Uni<ComponentStatus> ping(Pool pool, String downDetail) {
        return pool.query("SELECT 1").execute()
                .ifNoItem().after(StatusReporter.CHECK_TIMEOUT).fail()
                .map(rows -> ComponentStatus.up())
                .onFailure().recoverWithItem(e -> ComponentStatus.down(downDetail));
    }

    private Verdict verdict(ComponentStatus postgres, ComponentStatus replica, ComponentStatus cache) {
        Map<String, ComponentStatus> components = new TreeMap<>();
        boolean migrated = schema.migrated();
        components.put("postgres", postgres.isUp() && !migrated
                ? new ComponentStatus(ComponentStatus.UP, "schema migration pending") : postgres);
        components.put("redis", cache);
        components.put("usage_stream", consumer.state());
        if (replica != null) {
            components.put("replica", replica);
        }
        if (postgres.isUp() && migrated) {
            String reason = cache.isUp() ? null : "Redis unreachable: no last-good cache, no stream ingestion";
            return new Verdict(cache.isUp() ? ServiceState.READY : ServiceState.DEGRADED, reason, components);
        }
        if (postgres.isUp()) {
            return new Verdict(ServiceState.INITIALIZING, "migrating the telemetry schema", components);
        }
        if (replica != null && replica.isUp()) {
            return new Verdict(ServiceState.DEGRADED, "primary database unreachable: answering from the read replica",
                    components);
        }
        if (cache.isUp()) {
            return new Verdict(ServiceState.DEGRADED, "primary database unreachable: answering from cached results only",
                    components);
        }
        return new Verdict(ServiceState.UNAVAILABLE, "neither the database nor the cache answers", components);
    }
}
