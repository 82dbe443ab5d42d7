package dev.verity.data.query;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.ZoneOffset;

/**
 * How complete a result is for its window: {@code calls_recorded} calls of the org are stored and
 * counted, {@code calls_rejected} usage events of the org in the same window reached the data
 * agent but could not be stored (dead-lettered, not yet re-driven) and are missing from every
 * figure. Any rejected call makes the result {@code degraded}.
 */
public record Coverage(
        @JsonProperty("calls_recorded") long callsRecorded,
        @JsonProperty("calls_rejected") long callsRejected) {

    private static final String SQL = """
            SELECT (SELECT count(*) FROM telemetry.llm_calls
                    WHERE org_id = $1 AND created_at >= $2::timestamptz AND created_at < $3::timestamptz) AS recorded,
                   (SELECT count(*) FROM telemetry.usage_rejections
                    WHERE org_id = $1 AND redriven_at IS NULL
                      AND created_at >= $2::timestamptz AND created_at < $3::timestamptz) AS rejected""";

    @JsonIgnore
    public boolean complete() {
        return callsRejected == 0;
    }

    /** Counted on the connection (and in the transaction) the result itself is read in. */
    public static Uni<Coverage> of(SqlConnection conn, String orgId, Window window) {
        return conn.preparedQuery(SQL)
                .execute(Tuple.of(orgId, window.from().atOffset(ZoneOffset.UTC), window.to().atOffset(ZoneOffset.UTC)))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Coverage(row.getLong("recorded"), row.getLong("rejected"));
                });
    }
}
