package dev.verity.data.cost;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/** {@code POST /v1/cost-analysis} body. */
public record CostAnalysisQuery(
        @JsonProperty("from") String from,
        @JsonProperty("to") String to,
        @JsonProperty("alternative") JsonNode alternative) {
}
