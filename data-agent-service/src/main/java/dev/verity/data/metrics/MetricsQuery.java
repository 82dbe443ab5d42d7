package dev.verity.data.metrics;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code POST /v1/metrics/query} body. */
public record MetricsQuery(
        @JsonProperty("metrics") List<String> metrics,
        @JsonProperty("from") String from,
        @JsonProperty("to") String to,
        @JsonProperty("bucket") String bucket,
        @JsonProperty("group_by") String groupBy) {
}
