package dev.verity.data.metrics;

import dev.verity.contract.UserContext;
import dev.verity.data.metrics.MetricsResult.Bucket;
import dev.verity.data.metrics.MetricsResult.Series;
import dev.verity.data.query.Coverage;
import dev.verity.data.query.DataAnswer;
import dev.verity.data.query.ResilientReads;
import dev.verity.data.query.ResultCache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Metrics over the caller's org's own recorded calls, computed by PostgreSQL from stored rows only. */
@ApplicationScoped
public class MetricsService {

    /** Ratios and rates are given to 6 decimal places. */
    static final int RATIO_SCALE = 6;

    // %s is the grouping column from the Grouping enum, never request text; every value is a parameter.
    private static final String SQL = """
            SELECT floor(extract(epoch FROM (created_at - $2::timestamptz)) / $4::bigint)::bigint AS bucket,
                   %s AS grp,
                   count(*) AS calls,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99,
                   count(*) FILTER (WHERE outcome <> 'success') AS failed,
                   count(*) FILTER (WHERE prompt_tokens IS NOT NULL AND completion_tokens IS NOT NULL) AS token_calls,
                   sum(prompt_tokens::bigint + completion_tokens::bigint) AS tokens,
                   count(cost_usd) AS cost_calls,
                   sum(cost_usd) AS cost
            FROM telemetry.llm_calls
            WHERE org_id = $1 AND created_at >= $2::timestamptz AND created_at < $3::timestamptz
            GROUP BY 1, 2
            ORDER BY 1, 2""";

    private final ResilientReads reads;

    public MetricsService(ResilientReads reads) {
        this.reads = reads;
    }

    public Uni<DataAnswer<MetricsResult>> query(MetricsPlan plan, UserContext caller, String requestId,
            Instant deadline) {
        String key = ResultCache.key("metrics", caller.orgId(), plan.normalised());
        return reads.read(new ResilientReads.Read<>(key, MetricsResult.class, conn -> run(conn, plan, caller.orgId()),
                requestId, deadline));
    }

    private Uni<MetricsResult> run(SqlConnection conn, MetricsPlan plan, String orgId) {
        Tuple params = Tuple.of(orgId, plan.window().from().atOffset(ZoneOffset.UTC),
                plan.window().to().atOffset(ZoneOffset.UTC), plan.bucket().toSeconds());
        return conn.preparedQuery(SQL.formatted(plan.grouping().column())).execute(params)
                .chain(rows -> Coverage.of(conn, orgId, plan.window()).map(coverage -> assemble(plan, rows, coverage)));
    }

    private static MetricsResult assemble(MetricsPlan plan, RowSet<Row> rows, Coverage coverage) {
        // group -> metric -> buckets, groups in the order PostgreSQL sorted them
        Map<String, Map<Metric, List<Bucket>>> byGroup = new LinkedHashMap<>();
        TreeSet<Long> measured = new TreeSet<>();
        List<Row> all = new ArrayList<>();
        rows.forEach(all::add);
        all.sort((a, b) -> compareGroups(a.getString("grp"), b.getString("grp")));
        for (Row row : all) {
            long index = row.getLong("bucket");
            measured.add(index);
            Map<Metric, List<Bucket>> series = byGroup.computeIfAbsent(row.getString("grp"), g -> new LinkedHashMap<>());
            for (Metric metric : plan.metrics()) {
                Bucket bucket = bucket(metric, plan, index, row);
                List<Bucket> buckets = series.computeIfAbsent(metric, m -> new ArrayList<>());
                if (bucket != null) {
                    buckets.add(bucket);
                }
            }
        }
        List<Series> series = new ArrayList<>();
        if (byGroup.isEmpty() && plan.grouping() == Grouping.NONE) {
            plan.metrics().forEach(m -> series.add(new Series(m.wire(), null, m.unit(), List.of())));
        }
        for (Map.Entry<String, Map<Metric, List<Bucket>>> group : byGroup.entrySet()) {
            for (Metric metric : plan.metrics()) {
                List<Bucket> buckets = group.getValue().getOrDefault(metric, List.of());
                buckets.sort((a, b) -> a.start().compareTo(b.start()));
                series.add(new Series(metric.wire(), group.getKey(), metric.unit(), List.copyOf(buckets)));
            }
        }
        List<Instant> empty = new ArrayList<>();
        for (long i = 0; i < plan.bucketCount(); i++) {
            if (!measured.contains(i)) {
                empty.add(plan.bucketStart(i));
            }
        }
        return MetricsResult.of(series, empty, coverage);
    }

    private static int compareGroups(String a, String b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        return a.compareTo(b);
    }

    /** The bucket of one metric, or null when that metric was not measured in it. */
    private static Bucket bucket(Metric metric, MetricsPlan plan, long index, Row row) {
        Instant start = plan.bucketStart(index);
        long calls = row.getLong("calls");
        return switch (metric) {
            case LATENCY_MS -> Bucket.percentiles(start, calls, row.getDouble("p50"), row.getDouble("p95"),
                    row.getDouble("p99"));
            case THROUGHPUT -> Bucket.value(start, calls, BigDecimal.valueOf(calls)
                    .divide(BigDecimal.valueOf(plan.bucketSeconds(index)), RATIO_SCALE, RoundingMode.HALF_UP));
            case ERROR_RATE -> Bucket.value(start, calls, BigDecimal.valueOf(row.getLong("failed"))
                    .divide(BigDecimal.valueOf(calls), RATIO_SCALE, RoundingMode.HALF_UP));
            case TOKENS -> {
                long measuredCalls = row.getLong("token_calls");
                yield measuredCalls == 0 ? null : Bucket.value(start, measuredCalls, BigDecimal.valueOf(row.getLong("tokens")));
            }
            case COST_USD -> {
                long measuredCalls = row.getLong("cost_calls");
                yield measuredCalls == 0 ? null : Bucket.value(start, measuredCalls, row.getBigDecimal("cost"));
            }
        };
    }
}
