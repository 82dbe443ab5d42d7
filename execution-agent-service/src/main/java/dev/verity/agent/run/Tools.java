package dev.verity.agent.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.verity.agent.client.CallContext;
import dev.verity.agent.client.DataAgentClient;
import dev.verity.agent.client.ToolOutcome;
import dev.verity.contract.UserContext;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The tools a model may call (OpenAI function calling), each backed by a real data-agent
 * endpoint. Parameter schemas follow the data agent's request bodies so that the
 * model's arguments are forwarded as they are; the data agent validates them again and its
 * refusal reaches the model as a failure.
 */
@ApplicationScoped
public class Tools {

    public static final String QUERY_METRICS = "query_metrics";
    public static final String COST_ANALYSIS = "cost_analysis";

    private static final String DEFINITIONS = """
            [
              {"type": "function", "function": {
                "name": "query_metrics",
                "description": "Query the caller's organisation's recorded LLM calls: latency percentiles, throughput, error rate, tokens or cost, bucketed over a time window and optionally grouped by model or provider. Returns real recorded data with its source and age.",
                "parameters": {
                  "type": "object",
                  "properties": {
                    "metrics": {"type": "array", "minItems": 1, "uniqueItems": true,
                      "items": {"type": "string", "enum": ["latency_ms", "throughput", "error_rate", "tokens", "cost_usd"]}},
                    "from": {"type": "string", "format": "date-time", "description": "Window start, ISO-8601 instant"},
                    "to": {"type": "string", "format": "date-time", "description": "Window end, ISO-8601 instant"},
                    "bucket": {"type": "string", "description": "Bucket size as an ISO-8601 duration, e.g. PT1H"},
                    "group_by": {"type": "string", "enum": ["model", "provider"]}
                  },
                  "required": ["metrics", "from", "to", "bucket"],
                  "additionalProperties": false
                }}},
              {"type": "function", "function": {
                "name": "cost_analysis",
                "description": "What the caller's organisation spent on LLM calls in a time window, by model, and what it would have spent under another routing: the cheapest model that succeeded, or a given price table. Says so when there are no recorded calls.",
                "parameters": {
                  "type": "object",
                  "properties": {
                    "from": {"type": "string", "format": "date-time", "description": "Window start, ISO-8601 instant"},
                    "to": {"type": "string", "format": "date-time", "description": "Window end, ISO-8601 instant"},
                    "alternative": {"oneOf": [
                      {"type": "string", "enum": ["cheapest_successful"]},
                      {"type": "object",
                       "properties": {"prices": {"type": "object", "additionalProperties": {
                         "type": "object",
                         "properties": {"input_usd_per_mtok": {"type": "number", "minimum": 0},
                                        "output_usd_per_mtok": {"type": "number", "minimum": 0}},
                         "required": ["input_usd_per_mtok", "output_usd_per_mtok"],
                         "additionalProperties": false}}},
                       "required": ["prices"],
                       "additionalProperties": false}
                    ]}
                  },
                  "required": ["from", "to", "alternative"],
                  "additionalProperties": false
                }}}
            ]
            """;

    private final DataAgentClient data;
    private final ArrayNode definitions;

    public Tools(DataAgentClient data, ObjectMapper json) {
        this.data = data;
        try {
            this.definitions = (ArrayNode) json.readTree(DEFINITIONS);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code tools} array of a chat-completions request. */
    public ArrayNode definitions() {
        return definitions.deepCopy();
    }

    public boolean knows(String name) {
        return QUERY_METRICS.equals(name) || COST_ANALYSIS.equals(name);
    }

    /** Executes a known tool for real through the data agent, as the caller. */
    public Uni<ToolOutcome> execute(String name, JsonNode arguments, CallContext call, UserContext user) {
        return switch (name) {
            case QUERY_METRICS -> data.queryMetrics(arguments, call, user);
            case COST_ANALYSIS -> data.costAnalysis(arguments, call, user);
            default -> throw new IllegalArgumentException("unknown tool " + name);
        };
    }

    /** A short, real account of a result for the {@code tool_completed} event; the model gets the whole result. */
    public Map<String, Object> summary(String name, JsonNode result) {
        Map<String, Object> summary = new LinkedHashMap<>();
        if (QUERY_METRICS.equals(name)) {
            JsonNode series = result.path("series");
            summary.put("series", series.size());
            int buckets = 0;
            for (JsonNode one : series) {
                buckets += one.path("buckets").size();
            }
            summary.put("buckets", buckets);
            summary.put("empty_buckets", result.path("empty_buckets").size());
        } else {
            for (String field : new String[] {"calls_analysed", "actual_usd", "alternative_usd", "savings_usd", "basis"}) {
                Optional.ofNullable(result.get(field)).ifPresent(value -> summary.put(field, value));
            }
        }
        // How complete the figures are: rejected calls are missing from them, and the user watching the run sees it.
        Optional.ofNullable(result.get("coverage")).ifPresent(value -> summary.put("coverage", value));
        Optional.ofNullable(result.get("degraded")).ifPresent(value -> summary.put("degraded", value));
        summary.put("source", result.get("source"));
        return summary;
    }
}
