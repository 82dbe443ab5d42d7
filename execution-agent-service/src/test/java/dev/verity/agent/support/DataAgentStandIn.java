package dev.verity.agent.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.verity.contract.DataSource;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A WireMock stand-in for the data agent serving its own shapes, results with their
 * {@code source}. Answers can be bound to the caller's token, the way the real data agent scopes
 * every query to the token's org.
 */
public final class DataAgentStandIn extends ServiceStandIn {

    public static final String METRICS = "/v1/metrics/query";
    public static final String COST = "/v1/cost-analysis";

    DataAgentStandIn(WireMockServer server) {
        super(server, Services.DATA_AGENT, "postgres", "up");
    }


    /** Latency series of the token's org: one hourly bucket with the given p95. */
    public void answersMetrics(String token, String group, long p95, DataSource source) {
        ObjectNode result = Json.MAPPER.createObjectNode();
        ObjectNode series = result.putArray("series").addObject().put("metric", "latency_ms").put("group", group);
        series.putArray("buckets").addObject().put("start", "2026-11-25T06:00:00Z").put("count", 42)
                .put("p50", p95 / 2).put("p95", p95).put("p99", p95 * 2);
        ArrayNode empty = result.putArray("empty_buckets");
        empty.add("2026-11-25T05:00:00Z");
        result.putObject("coverage").put("calls_recorded", 42).put("calls_rejected", 1);
        result.put("degraded", true);
        result.set("source", Json.MAPPER.valueToTree(source));
        stub(post(urlEqualTo(METRICS)), token, json(200, result.toString()));
    }

    public void answersCost(int calls, double actualUsd, double alternativeUsd) {
        ObjectNode result = Json.MAPPER.createObjectNode().put("calls_analysed", calls).put("actual_usd", actualUsd);
        result.putArray("by_model").addObject().put("model", "large").put("calls", calls).put("usd", actualUsd);
        result.put("alternative_usd", alternativeUsd).put("savings_usd", actualUsd - alternativeUsd)
                .put("basis", "cheapest_successful");
        result.set("source", Json.MAPPER.valueToTree(DataSource.primary(Instant.now())));
        stub(post(urlEqualTo(COST)), null, json(200, result.toString()));
    }

    /** The data agent's own problem: primary, replica and cache all failed. */
    public void fails(ErrorType type, String detail) {
        Problem problem = Problem.of(type, detail, Services.DATA_AGENT, null, null);
        stub(post(urlPathMatching("/v1/.*")), null, aResponse().withStatus(type.status())
                .withHeader("Content-Type", "application/problem+json").withBody(Json.write(problem)));
    }

    /** The data agent process is gone: connections are reset. */
    public void down() {
        stub(post(urlPathMatching("/v1/.*")), null, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
    }

    public void answersMetricsAfter(Duration delay) {
        ObjectNode result = Json.MAPPER.createObjectNode();
        result.putArray("series");
        result.putArray("empty_buckets");
        result.set("source", Json.MAPPER.valueToTree(DataSource.primary(Instant.now())));
        stub(post(urlEqualTo(METRICS)), null, json(200, result.toString()).withFixedDelay((int) delay.toMillis()));
    }

    public List<LoggedRequest> toolRequests() {
        return server.findAll(anyRequestedFor(urlPathMatching("/v1/(metrics/query|cost-analysis)")));
    }

    private void stub(MappingBuilder mapping, String token, ResponseDefinitionBuilder response) {
        if (token != null) {
            mapping.withHeader("Authorization", equalTo("Bearer " + token));
        }
        server.stubFor(mapping.willReturn(response));
    }

}
