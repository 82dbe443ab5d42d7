package dev.verity.data.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.verity.contract.DataSource;
import dev.verity.data.query.Coverage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * Measured values only. A bucket appears in a series when its metric was measured in it; buckets
 * without any call are listed in {@code empty_buckets} instead of being filled with zeros.
 * {@code coverage} says how complete the figures are for the window; {@code degraded} is true when
 * calls of the window were rejected and are missing from them.
 */
public record MetricsResult(
        @JsonProperty("series") List<Series> series,
        @JsonProperty("empty_buckets") List<Instant> emptyBuckets,
        @JsonProperty("coverage") Coverage coverage,
        @JsonProperty("degraded") boolean degraded,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("source") DataSource source) {

    /** A fresh result: degraded exactly when calls of its window were rejected. */
    static MetricsResult of(List<Series> series, List<Instant> emptyBuckets, Coverage coverage) {
        return new MetricsResult(series, emptyBuckets, coverage, !coverage.complete(), null);
    }

    /** The same result, labelled with where it was read from. */
    public MetricsResult withSource(DataSource from) {
        return new MetricsResult(series, emptyBuckets, coverage, degraded, from);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Series(
            @JsonProperty("metric") String metric,
            @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("group") String group,
            @JsonProperty("unit") String unit,
            @JsonProperty("buckets") List<Bucket> buckets) {
    }

    /** {@code count} is the number of calls the value was computed from. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Bucket(
            @JsonProperty("start") Instant start,
            @JsonProperty("count") long count,
            @JsonProperty("value") BigDecimal value,
            @JsonProperty("p50") Double p50,
            @JsonProperty("p95") Double p95,
            @JsonProperty("p99") Double p99) {

        static Bucket value(Instant start, long count, BigDecimal value) {
            return new Bucket(start, count, value, null, null, null);
        }

        static Bucket percentiles(Instant start, long count, double p50, double p95, double p99) {
            return new Bucket(start, count, null, p50, p95, p99);
        }
    }
}
