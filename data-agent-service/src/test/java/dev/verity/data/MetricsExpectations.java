package dev.verity.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.data.TestCalls.Call;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Recomputes every metric of a query answer from the rows the test itself sent, without the
 * service's SQL, and checks the answer holds exactly those numbers and nothing else.
 */
final class MetricsExpectations {

    static final List<String> ALL = List.of("latency_ms", "throughput", "error_rate", "tokens", "cost_usd");

    private MetricsExpectations() {
    }

    /** @param groupOf the grouping the query asked for; null for an ungrouped query */
    static void assertAnswer(JsonNode answer, List<Call> calls, Instant from, int hours, Function<Call, String> groupOf) {
        Map<String, List<Call>> groups = new TreeMap<>(java.util.Comparator.nullsFirst(String::compareTo));
        if (groupOf == null) {
            groups.put(null, calls);
        } else {
            groups.putAll(calls.stream().collect(Collectors.groupingBy(groupOf)));
        }
        List<String> seen = new ArrayList<>();
        for (JsonNode series : answer.get("series")) {
            String metric = series.get("metric").asText();
            String group = series.get("group").isNull() ? null : series.get("group").asText();
            assertThat(groups).as("series for group %s", group).containsKey(group);
            seen.add(metric + "/" + group);
            assertSeries(metric, series.get("buckets"), groups.get(group), from);
        }
        List<String> expectedSeries = new ArrayList<>();
        for (String group : groups.keySet()) {
            for (String metric : ALL) {
                expectedSeries.add(metric + "/" + group);
            }
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(expectedSeries);

        TreeSet<Long> withCalls = calls.stream().map(c -> bucketOf(c, from))
                .collect(Collectors.toCollection(TreeSet::new));
        List<String> expectedEmpty = new ArrayList<>();
        for (long i = 0; i < hours; i++) {
            if (!withCalls.contains(i)) {
                expectedEmpty.add(from.plusSeconds(i * 3600).toString());
            }
        }
        List<String> empty = new ArrayList<>();
        answer.get("empty_buckets").forEach(b -> empty.add(Instant.parse(b.asText()).toString()));
        assertThat(empty).containsExactlyElementsOf(expectedEmpty);
    }

    private static void assertSeries(String metric, JsonNode buckets, List<Call> calls, Instant from) {
        Map<Long, List<Call>> byBucket = new TreeMap<>(calls.stream().collect(Collectors.groupingBy(c -> bucketOf(c, from))));
        List<Long> expectedBuckets = new ArrayList<>();
        for (Map.Entry<Long, List<Call>> bucket : byBucket.entrySet()) {
            if (measured(metric, bucket.getValue()) > 0) {
                expectedBuckets.add(bucket.getKey());
            }
        }
        List<Long> actualBuckets = new ArrayList<>();
        for (JsonNode bucket : buckets) {
            long index = (Instant.parse(bucket.get("start").asText()).getEpochSecond() - from.getEpochSecond()) / 3600;
            actualBuckets.add(index);
            List<Call> in = byBucket.get(index);
            assertThat(in).as("%s bucket %d exists in the data", metric, index).isNotNull();
            assertBucket(metric, bucket, in);
        }
        assertThat(actualBuckets).as("%s buckets", metric).containsExactlyElementsOf(expectedBuckets);
    }

    private static long measured(String metric, List<Call> calls) {
        return switch (metric) {
            case "tokens" -> calls.stream().filter(c -> c.promptTokens() != null && c.completionTokens() != null).count();
            case "cost_usd" -> calls.stream().filter(c -> c.costUsd() != null).count();
            default -> calls.size();
        };
    }

    private static void assertBucket(String metric, JsonNode bucket, List<Call> calls) {
        assertThat(bucket.get("count").asLong()).as("%s count", metric).isEqualTo(measured(metric, calls));
        switch (metric) {
            case "latency_ms" -> {
                List<Long> latencies = calls.stream().map(Call::latencyMs).toList();
                assertThat(bucket.get("p50").asDouble()).isCloseTo(TestCalls.percentileCont(latencies, 0.5), within(1e-6));
                assertThat(bucket.get("p95").asDouble()).isCloseTo(TestCalls.percentileCont(latencies, 0.95), within(1e-6));
                assertThat(bucket.get("p99").asDouble()).isCloseTo(TestCalls.percentileCont(latencies, 0.99), within(1e-6));
                assertThat(bucket.has("value")).isFalse();
            }
            case "throughput" -> assertThat(bucket.get("value").decimalValue())
                    .isEqualByComparingTo(BigDecimal.valueOf(calls.size()).divide(BigDecimal.valueOf(3600), 6, RoundingMode.HALF_UP));
            case "error_rate" -> assertThat(bucket.get("value").decimalValue())
                    .isEqualByComparingTo(BigDecimal.valueOf(calls.stream().filter(Call::failed).count())
                            .divide(BigDecimal.valueOf(calls.size()), 6, RoundingMode.HALF_UP));
            case "tokens" -> assertThat(bucket.get("value").longValue()).isEqualTo(calls.stream()
                    .filter(c -> c.promptTokens() != null && c.completionTokens() != null)
                    .mapToLong(c -> c.promptTokens() + c.completionTokens()).sum());
            case "cost_usd" -> assertThat(bucket.get("value").decimalValue()).isEqualByComparingTo(calls.stream()
                    .map(Call::costUsd).filter(Objects::nonNull).reduce(BigDecimal.ZERO, BigDecimal::add));
            default -> throw new AssertionError("unexpected metric " + metric);
        }
    }

    private static long bucketOf(Call call, Instant from) {
        return (call.createdAt().getEpochSecond() - from.getEpochSecond()) / 3600;
    }

    static String query(Instant from, int hours, String groupBy) {
        return "{\"metrics\":[\"latency_ms\",\"throughput\",\"error_rate\",\"tokens\",\"cost_usd\"],"
                + "\"from\":\"" + from + "\",\"to\":\"" + from.plusSeconds(hours * 3600L) + "\",\"bucket\":\"PT1H\""
                + (groupBy == null ? "" : ",\"group_by\":\"" + groupBy + "\"") + "}";
    }
}
