package dev.verity.data.query;

import dev.verity.contract.DataSource;
import dev.verity.data.config.DataConfig;
import dev.verity.data.query.DataAnswer.Failure;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Runs a read against the primary, then the replica when one is configured, then answers with the
 * last good result of the same query from Redis with its real age; when none of them can, the
 * answer says so. Every result that reaches a caller came from a database at some known instant.
 */
@ApplicationScoped
public class ResilientReads {

    /** Time for the pipeline around a statement (pool, network) before the reactive timeout fires. */
    private static final Duration GRACE = Duration.ofMillis(250);
    private static final String QUERY_CANCELED = "57014";

    private final Databases databases;
    private final ResultCache cache;
    private final DataConfig config;
    private final MeterRegistry meters;

    public ResilientReads(Databases databases, ResultCache cache, DataConfig config, MeterRegistry meters) {
        this.databases = databases;
        this.cache = cache;
        this.config = config;
        this.meters = meters;
    }

    /** The query as the caller asked it: cache key, result type and the SQL work on one connection. */
    public record Read<T>(String cacheKey, Class<T> type, Function<SqlConnection, Uni<T>> query, String requestId,
            Instant deadline) {
    }

    public <T> Uni<DataAnswer<T>> read(Read<T> read) {
        return onDatabase(databases.primary(), read)
                .chain(result -> remember(read, result, DataSource.primary(Instant.now())))
                .onFailure().recoverWithUni(primaryFailure -> {
                    Failure failure = classify("primary", primaryFailure, read);
                    return fromReplica(read, failure);
                })
                .invoke(this::count);
    }

    /** Operators see how often answers were degraded or missing, by source and reason. */
    private void count(DataAnswer<?> answer) {
        switch (answer) {
            case DataAnswer.Found<?> found -> meters.counter("verity.data.answers", "source", found.source().kind().wire())
                    .increment();
            case DataAnswer.Missing<?> missing -> meters.counter("verity.data.unanswered", "reason",
                    missing.failure().name().toLowerCase(java.util.Locale.ROOT)).increment();
        }
    }

    private <T> Uni<DataAnswer<T>> fromReplica(Read<T> read, Failure primaryFailure) {
        Optional<Pool> replica = databases.replica();
        if (replica.isEmpty()) {
            return fromCache(read, primaryFailure);
        }
        return onDatabase(replica.get(), read)
                .chain(result -> remember(read, result, DataSource.replica(Instant.now())))
                .onFailure().recoverWithUni(replicaFailure -> {
                    Failure failure = classify("replica", replicaFailure, read);
                    return fromCache(read, worst(primaryFailure, failure));
                });
    }

    private <T> Uni<DataAnswer<T>> fromCache(Read<T> read, Failure failure) {
        return cache.lookup(read.cacheKey(), read.type()).map(entry -> entry
                .<DataAnswer<T>>map(e -> new DataAnswer.Found<>(e.result(), DataSource.cache(e.storedAt(), Instant.now())))
                .orElseGet(() -> new DataAnswer.Missing<>(failure)));
    }

    private <T> Uni<DataAnswer<T>> remember(Read<T> read, T result, DataSource source) {
        return cache.remember(read.cacheKey(), result, source.asOf())
                .replaceWith(new DataAnswer.Found<>(result, source));
    }

    private <T> Uni<T> onDatabase(Pool pool, Read<T> read) {
        Duration budget = budget(read.deadline());
        if (budget.isZero()) {
            return Uni.createFrom().failure(new TimeoutException("deadline already passed"));
        }
        // statement_timeout stops the work inside PostgreSQL; the reactive timeout covers a server
        // or network that does not answer at all.
        return pool.withTransaction(conn -> conn
                        .preparedQuery("SELECT set_config('statement_timeout', $1, true)")
                        .execute(Tuple.of(budget.toMillis() + "ms"))
                        .chain(() -> read.query().apply(conn)))
                .ifNoItem().after(budget.plus(GRACE)).failWith(() -> new TimeoutException("query budget exceeded"));
    }

    private Duration budget(Instant deadline) {
        Duration budget = config.queryTimeout();
        if (deadline != null) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                return Duration.ZERO;
            }
            budget = left.compareTo(budget) < 0 ? left : budget;
        }
        return budget;
    }

    private static Failure classify(String database, Throwable failure, Read<?> read) {
        boolean timeout = failure instanceof TimeoutException
                || failure instanceof io.smallrye.mutiny.TimeoutException
                || failure instanceof PgException pg && QUERY_CANCELED.equals(pg.getSqlState());
        // The cause may name hosts: it goes to the log with the request id, never to the caller.
        Log.warnf("request %s: %s database did not answer (%s): %s", read.requestId(), database,
                timeout ? "timeout" : "unavailable", failure.toString());
        return timeout ? Failure.TIMEOUT : Failure.UNAVAILABLE;
    }

    private static Failure worst(Failure a, Failure b) {
        return a == Failure.TIMEOUT || b == Failure.TIMEOUT ? Failure.TIMEOUT : Failure.UNAVAILABLE;
    }
}
