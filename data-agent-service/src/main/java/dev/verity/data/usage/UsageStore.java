package dev.verity.data.usage;

import dev.verity.data.config.DataConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.sqlclient.data.Numeric;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

/**
 * Writes usage rows to the primary. A batch is one transaction: all rows or none. The call id is
 * the idempotency key, so a replayed call (stream redelivery, a re-sent batch) is not stored twice.
 */
@ApplicationScoped
public class UsageStore {

    private static final String INSERT = """
            INSERT INTO telemetry.llm_calls (id, org_id, user_id, request_id, model, provider, prompt_tokens,
                completion_tokens, cost_usd, latency_ms, outcome, error_type, cache_hit, degraded, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            ON CONFLICT (org_id, id) DO NOTHING""";
    private static final String REJECT = """
            INSERT INTO telemetry.usage_rejections (source_id, event_id, org_id, created_at, reason)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (source_id) DO NOTHING""";
    private static final String REDRIVEN = """
            UPDATE telemetry.usage_rejections SET redriven_at = now()
            WHERE source_id = ANY($1) AND redriven_at IS NULL""";

    private final Pool pool;
    private final DataConfig config;

    public UsageStore(Pool pool, DataConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /** Stores the calls in one transaction; the item is how many were new (replays are not counted). */
    public Uni<Integer> store(List<UsageCall> calls) {
        return store(calls, List.of());
    }

    /**
     * Stores the calls and records the rejected entries in one transaction, so a stream batch is
     * either fully accounted for in PostgreSQL or not at all (and then stays pending in Redis).
     */
    public Uni<Integer> store(List<UsageCall> calls, List<Rejection> rejections) {
        if (calls.isEmpty() && rejections.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<Tuple> rows = calls.stream().map(UsageStore::tuple).toList();
        List<Tuple> rejected = rejections.stream().map(UsageStore::tuple).toList();
        return pool.withTransaction(conn -> (rejected.isEmpty() ? Uni.createFrom().voidItem()
                        : conn.preparedQuery(REJECT).executeBatch(rejected).replaceWithVoid())
                        .chain(() -> rows.isEmpty() ? Uni.createFrom().item(0)
                                : conn.preparedQuery(INSERT).executeBatch(rows).map(UsageStore::insertedRows)))
                .ifNoItem().after(config.queryTimeout()).fail();
    }

    /**
     * Re-driven dead letters: their calls stored and their rejections closed in one transaction.
     * The item is how many calls were new.
     */
    public Uni<Integer> storeRedriven(List<UsageCall> calls, List<String> sourceIds) {
        if (calls.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<Tuple> rows = calls.stream().map(UsageStore::tuple).toList();
        return pool.withTransaction(conn -> conn.preparedQuery(INSERT).executeBatch(rows).map(UsageStore::insertedRows)
                        .call(() -> conn.preparedQuery(REDRIVEN).execute(Tuple.of(sourceIds.toArray(String[]::new)))))
                .ifNoItem().after(config.queryTimeout()).fail();
    }

    private static int insertedRows(RowSet<?> first) {
        int inserted = 0;
        for (RowSet<?> result = first; result != null; result = result.next()) {
            inserted += result.rowCount();
        }
        return inserted;
    }

    private static Tuple tuple(Rejection r) {
        return Tuple.of(r.sourceId(), r.eventId(), r.orgId(), r.createdAt().atOffset(ZoneOffset.UTC), r.reason());
    }

    private static Tuple tuple(UsageCall c) {
        return Tuple.wrap(Arrays.asList(c.id(), c.orgId(), c.userId(), c.requestId(), c.model(), c.provider(),
                c.promptTokens(), c.completionTokens(), c.costUsd() == null ? null : Numeric.create(c.costUsd()),
                c.latencyMs(), c.outcome(), c.errorType(), c.cacheHit(), c.degraded(),
                c.createdAt().atOffset(ZoneOffset.UTC)));
    }
}
