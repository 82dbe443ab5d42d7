package dev.verity.data.metrics;

import dev.verity.data.query.Window;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** A validated metrics query: what to compute, over which buckets, split how. */
public record MetricsPlan(List<Metric> metrics, Window window, Duration bucket, Grouping grouping) {

    /** A plan, or the reason the query cannot be run (for a 400 {@code invalid_request}). */
    public sealed interface Parsed permits Valid, Invalid {
    }

    public record Valid(MetricsPlan plan) implements Parsed {
    }

    public record Invalid(String detail) implements Parsed {
    }

    public static Parsed parse(MetricsQuery query, int maxBuckets) {
        if (query == null || query.metrics() == null || query.metrics().isEmpty()) {
            return new Invalid("Field 'metrics' must list at least one of latency_ms, throughput, error_rate, tokens, cost_usd.");
        }
        LinkedHashSet<Metric> metrics = new LinkedHashSet<>();
        for (String name : query.metrics()) {
            Optional<Metric> metric = Metric.fromWire(name);
            if (metric.isEmpty()) {
                return new Invalid("Unknown metric '" + shorten(name)
                        + "'; known metrics are latency_ms, throughput, error_rate, tokens, cost_usd.");
            }
            metrics.add(metric.get());
        }
        Optional<Window> window = Window.parse(query.from(), query.to());
        if (window.isEmpty()) {
            return new Invalid("Fields 'from' and 'to' must be ISO-8601 timestamps with offset between 1970 and 9999, with 'to' after 'from'.");
        }
        Duration bucket;
        try {
            bucket = query.bucket() == null ? null : Duration.parse(query.bucket());
        } catch (RuntimeException e) {
            bucket = null;
        }
        if (bucket == null || bucket.compareTo(Duration.ofSeconds(1)) < 0 || bucket.getNano() != 0) {
            return new Invalid("Field 'bucket' must be an ISO-8601 duration of whole seconds, at least PT1S (e.g. PT1H, P1D).");
        }
        Optional<Grouping> grouping = Grouping.fromWire(query.groupBy());
        if (grouping.isEmpty()) {
            return new Invalid("Field 'group_by' must be 'model' or 'provider' when given.");
        }
        MetricsPlan plan = new MetricsPlan(List.copyOf(metrics), window.get(), bucket, grouping.get());
        if (plan.bucketCount() > maxBuckets) {
            return new Invalid("The window holds " + plan.bucketCount() + " buckets; at most " + maxBuckets
                    + " are allowed. Use a larger bucket or a shorter window.");
        }
        return new Valid(plan);
    }

    public long bucketCount() {
        long span = Duration.between(window.from(), window.to()).toSeconds();
        long size = bucket.toSeconds();
        long whole = span / size;
        boolean partial = span % size != 0 || Duration.between(window.from(), window.to()).getNano() != 0;
        return partial ? whole + 1 : whole;
    }

    public Instant bucketStart(long index) {
        return window.from().plusSeconds(index * bucket.toSeconds());
    }

    /** Seconds the bucket covers inside the window (the last one may be cut short by {@code to}). */
    public double bucketSeconds(long index) {
        Instant start = bucketStart(index);
        Instant end = start.plus(bucket);
        if (end.isAfter(window.to())) {
            end = window.to();
        }
        return Duration.between(start, end).toNanos() / 1e9;
    }

    public List<Instant> bucketStarts() {
        List<Instant> starts = new ArrayList<>();
        for (long i = 0; i < bucketCount(); i++) {
            starts.add(bucketStart(i));
        }
        return starts;
    }

    /** The query in a canonical form, for the last-good cache key. */
    public String normalised() {
        return metrics.stream().map(Metric::wire).collect(Collectors.joining(",")) + "|" + window.from() + "|"
                + window.to() + "|" + bucket.toSeconds() + "|" + grouping.name();
    }

    private static String shorten(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() > 64 ? text.substring(0, 64) + "…" : text;
    }
}
