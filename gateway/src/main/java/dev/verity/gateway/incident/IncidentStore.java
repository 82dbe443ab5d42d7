package dev.verity.gateway.incident;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Incidents in PostgreSQL ({@code gateway.incidents}, {@code gateway.incident_users}). Every change
 * is one statement, so replicas sharing the database agree without talking to each other: the
 * partial unique index on open incidents makes a failure either open the incident or join it, and
 * only the statement that changed a row gets it back (which is how exactly one replica notifies).
 */
@ApplicationScoped
public class IncidentStore {

    /** A claimed batch is bounded so a sweep never holds many rows. */
    private static final int BATCH = 100;

    // Leading space: it follows "RETURNING" or "SELECT", and text blocks drop trailing spaces.
    private static final String COLUMNS = " " + """
            i.id, i.org_id, i.service, i.error_type, i.state, i.status, i.detail, i.account_manager_email, i.occurrences,
            i.request_ids, i.first_seen, i.last_seen, i.resolved_at, i.resolution,
            (SELECT count(*) FROM gateway.incident_users u WHERE u.incident_id = i.id) AS affected_users""";

    private final Pool pool;
    private final int maxRequestIds;

    public IncidentStore(Pool pool, IncidentsConfig config) {
        this.pool = pool;
        this.maxRequestIds = config.maxRequestIds();
    }

    /**
     * Opens the incident of the failures' key, or adds them to the one already open: one
     * statement, whichever replica runs it, so concurrent failures never open two. Every failure in
     * {@code failures} has the same key; the first one's status and detail describe an incident it
     * opens. {@code xmax = 0} holds only for the row this statement inserted.
     */
    public Uni<Recorded> record(String newId, List<Failure> failures) {
        Failure first = failures.getFirst();
        String[] users = failures.stream().map(Failure::userId).toArray(String[]::new);
        String[] requests = failures.stream().map(Failure::requestId).toArray(String[]::new);
        OffsetDateTime[] times = failures.stream().map(f -> utc(f.at())).toArray(OffsetDateTime[]::new);
        return pool.preparedQuery("""
                        WITH batch AS (
                            SELECT f.user_id, f.request_id, f.at, f.ord
                              FROM unnest($8::text[], $9::text[], $10::timestamptz[]) WITH ORDINALITY AS f(user_id, request_id, at, ord)
                        ), incident AS (
                            INSERT INTO gateway.incidents AS i
                                (id, org_id, service, error_type, status, detail, account_manager_email, occurrences,
                                 request_ids, first_seen, last_seen, last_trigger_at)
                            SELECT $1, $2, $3, $4, $5, $6, $7, count(*),
                                   (array_agg(request_id ORDER BY ord))[greatest(1, count(*)::int + 1 - $11):],
                                   min(at), max(at), min(at)
                              FROM batch
                            ON CONFLICT (org_id, service, error_type) WHERE state = 'open' DO UPDATE
                               SET occurrences = i.occurrences + EXCLUDED.occurrences,
                                   last_seen = greatest(i.last_seen, EXCLUDED.last_seen),
                                   request_ids = (i.request_ids || EXCLUDED.request_ids)
                                       [greatest(1, cardinality(i.request_ids) + cardinality(EXCLUDED.request_ids) + 1 - $11):],
                                   account_manager_email = coalesce(i.account_manager_email, EXCLUDED.account_manager_email)
                            RETURNING i.id, i.org_id, i.service, i.error_type, i.state, i.status, i.detail,
                                      i.account_manager_email, i.occurrences, i.request_ids, i.first_seen, i.last_seen,
                                      i.resolved_at, i.resolution, (i.xmax = 0) AS opened
                        ), users AS (
                            SELECT user_id, count(*) AS n,
                                   (array_agg(request_id ORDER BY ord))[greatest(1, count(*)::int + 1 - $11):] AS ids,
                                   min(at) AS first_at, max(at) AS last_at
                              FROM batch GROUP BY user_id
                        ), affected AS (
                            INSERT INTO gateway.incident_users AS u
                                (incident_id, user_id, occurrences, request_ids, first_seen, last_seen)
                            SELECT incident.id, users.user_id, users.n, users.ids, users.first_at, users.last_at
                              FROM incident CROSS JOIN users
                            ON CONFLICT (incident_id, user_id) DO UPDATE
                               SET occurrences = u.occurrences + EXCLUDED.occurrences,
                                   last_seen = greatest(u.last_seen, EXCLUDED.last_seen),
                                   request_ids = (u.request_ids || EXCLUDED.request_ids)
                                       [greatest(1, cardinality(u.request_ids) + cardinality(EXCLUDED.request_ids) + 1 - $11):]
                            RETURNING (u.xmax = 0) AS new_user
                        )
                        SELECT incident.*,
                               (SELECT count(*) FROM gateway.incident_users p WHERE p.incident_id = incident.id)
                               + (SELECT count(*) FROM affected WHERE new_user) AS affected_users
                          FROM incident""")
                .execute(Tuple.from(new Object[] {newId, first.orgId(), first.service(), first.errorType(), first.status(),
                        first.detail(), first.accountManagerEmail(), users, requests, times, maxRequestIds}))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    Incident incident = incident(row);
                    return row.getBoolean("opened") ? new Recorded.Opened(incident) : new Recorded.Joined(incident);
                });
    }

    /** Resolves the organisation's open incidents of these services; returns those this call resolved. */
    public Uni<List<Incident>> resolveAfterSuccess(String orgId, Set<String> services, Instant at) {
        return pool.preparedQuery("""
                        UPDATE gateway.incidents AS i
                           SET state = 'resolved', resolved_at = $3, resolution = 'success', resolve_claimed_at = $3
                         WHERE i.org_id = $1 AND i.state = 'open' AND i.service = ANY($2) AND i.first_seen <= $3
                        RETURNING """ + COLUMNS)
                .execute(Tuple.of(orgId, services.toArray(String[]::new), utc(at)))
                .map(IncidentStore::incidents);
    }

    /** Resolves every open incident whose last occurrence is older than {@code quietSince}. */
    public Uni<List<Incident>> resolveQuiet(Instant quietSince, Instant at) {
        return pool.preparedQuery("""
                        UPDATE gateway.incidents AS i
                           SET state = 'resolved', resolved_at = $2, resolution = 'quiet_period', resolve_claimed_at = $2
                         WHERE i.id IN (SELECT id FROM gateway.incidents
                                         WHERE state = 'open' AND last_seen < $1
                                         ORDER BY last_seen LIMIT $3 FOR UPDATE SKIP LOCKED)
                           AND i.state = 'open' AND i.last_seen < $1
                        RETURNING """ + COLUMNS)
                .execute(Tuple.of(utc(quietSince), utc(at), BATCH))
                .map(IncidentStore::incidents);
    }

    /**
     * Claims the open incidents support must hear about again: a reminder once the last trigger is
     * {@code remindBefore} old, or the open notice itself when it never got through and its last
     * attempt is {@code redeliverBefore} old. A claimed row is not claimed again until it is due again.
     */
    public Uni<List<Due>> claimTriggers(Instant remindBefore, Instant redeliverBefore, Instant at) {
        return pool.preparedQuery("""
                        UPDATE gateway.incidents AS i
                           SET last_trigger_at = $3
                         WHERE i.id IN (SELECT id FROM gateway.incidents
                                         WHERE state = 'open'
                                           AND (last_trigger_at <= $1 OR (opened_notified_at IS NULL AND last_trigger_at <= $2))
                                         ORDER BY last_trigger_at LIMIT $4 FOR UPDATE SKIP LOCKED)
                        RETURNING (i.opened_notified_at IS NOT NULL) AS reminder, """ + COLUMNS)
                .execute(Tuple.of(utc(remindBefore), utc(redeliverBefore), utc(at), BATCH))
                .map(rows -> {
                    List<Due> due = new ArrayList<>();
                    for (Row row : rows) {
                        due.add(new Due(incident(row), row.getBoolean("reminder") ? Notice.REMINDER : Notice.OPENED));
                    }
                    return due;
                });
    }

    /** Claims resolved incidents whose resolve notice never got through, last tried before {@code redeliverBefore}. */
    public Uni<List<Incident>> claimUndeliveredResolves(Instant redeliverBefore, Instant at) {
        return pool.preparedQuery("""
                        UPDATE gateway.incidents AS i
                           SET resolve_claimed_at = $2
                         WHERE i.id IN (SELECT id FROM gateway.incidents
                                         WHERE state = 'resolved' AND resolved_notified_at IS NULL
                                           AND resolve_claimed_at <= $1
                                         ORDER BY resolve_claimed_at LIMIT $3 FOR UPDATE SKIP LOCKED)
                        RETURNING """ + COLUMNS)
                .execute(Tuple.of(utc(redeliverBefore), utc(at), BATCH))
                .map(IncidentStore::incidents);
    }

    /** Records a delivery: its attempts, and on success when the notice got through. */
    public Uni<Void> recordDelivery(String id, Notice notice, int attempts, boolean delivered, Instant at) {
        return pool.preparedQuery("""
                        UPDATE gateway.incidents
                           SET notify_attempts = notify_attempts + $2,
                               notify_failures = notify_failures + CASE WHEN $3 THEN 0 ELSE 1 END,
                               opened_notified_at = CASE WHEN $3 AND $4 THEN coalesce(opened_notified_at, $6)
                                                         ELSE opened_notified_at END,
                               resolved_notified_at = CASE WHEN $3 AND $5 THEN $6 ELSE resolved_notified_at END
                         WHERE id = $1""")
                .execute(Tuple.from(new Object[] {id, attempts, delivered, notice != Notice.RESOLVED,
                        notice == Notice.RESOLVED, utc(at)}))
                .replaceWithVoid();
    }

    /** The keys of every open incident, for a replica's view of what is failing. */
    public Uni<Set<IncidentKey>> openKeys() {
        return pool.query("SELECT org_id, service, error_type FROM gateway.incidents WHERE state = 'open'")
                .execute()
                .map(rows -> {
                    Set<IncidentKey> keys = new HashSet<>();
                    for (Row row : rows) {
                        keys.add(new IncidentKey(row.getString("org_id"), row.getString("service"), row.getString("error_type")));
                    }
                    return keys;
                });
    }

    /** The incident with this id, whoever it belongs to: access is decided by the caller. */
    public Uni<Optional<Incident>> find(String id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM gateway.incidents AS i WHERE i.id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.iterator().hasNext() ? Optional.of(incident(rows.iterator().next())) : Optional.empty());
    }

    /** What the incident did to one user: their occurrences and most recent request ids; empty when it did not affect them. */
    public Uni<Optional<Share>> share(String incidentId, String userId) {
        return pool.preparedQuery("""
                        SELECT occurrences, request_ids FROM gateway.incident_users WHERE incident_id = $1 AND user_id = $2""")
                .execute(Tuple.of(incidentId, userId))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return Optional.empty();
                    }
                    Row row = rows.iterator().next();
                    return Optional.of(new Share(row.getLong("occurrences"), strings(row)));
                });
    }

    /** One user's part in an incident. */
    public record Share(long occurrences, List<String> requestIds) {
    }

    /** An open incident whose trigger notice is due. */
    public record Due(Incident incident, Notice notice) {
    }

    private static List<Incident> incidents(RowSet<Row> rows) {
        List<Incident> incidents = new ArrayList<>();
        for (Row row : rows) {
            incidents.add(incident(row));
        }
        return incidents;
    }

    private static Incident incident(Row row) {
        OffsetDateTime resolved = row.getOffsetDateTime("resolved_at");
        Long affected = row.getLong("affected_users");
        return new Incident(row.getString("id"),
                new IncidentKey(row.getString("org_id"), row.getString("service"), row.getString("error_type")),
                Incident.State.fromWire(row.getString("state")), row.getInteger("status"), row.getString("detail"),
                row.getString("account_manager_email"), row.getLong("occurrences"), affected == null ? 0 : affected.intValue(),
                strings(row), row.getOffsetDateTime("first_seen").toInstant(), row.getOffsetDateTime("last_seen").toInstant(),
                resolved == null ? null : resolved.toInstant(), Incident.Resolution.fromWire(row.getString("resolution")));
    }

    private static List<String> strings(Row row) {
        String[] ids = row.getArrayOfStrings("request_ids");
        return ids == null ? List.of() : List.copyOf(Arrays.asList(ids));
    }

    private static OffsetDateTime utc(Instant at) {
        return at.atOffset(ZoneOffset.UTC);
    }
}
