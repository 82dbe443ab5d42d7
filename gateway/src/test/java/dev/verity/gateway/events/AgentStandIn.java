package dev.verity.gateway.events;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.List;
import java.util.Map;

/**
 * The execution agent as a WireMock stand-in: {@code POST /v1/runs} answers the agent's SSE stream
 * of contract events for the caller's request id (echoed from X-Request-Id), picked by the message.
 */
public class AgentStandIn implements QuarkusTestResourceLifecycleManager {

    static WireMockServer server;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().dynamicPort());
        server.start();
        return Map.of("quarkus.rest-client.execution-agent.url", server.baseUrl());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }

    /** Runs whose message contains {@code marker} stream these events (type, data JSON) for user {@code user}. */
    static void streams(String marker, String user, List<String[]> events) {
        StringBuilder body = new StringBuilder();
        long id = 1_700_000_000_000L + Math.abs(marker.hashCode() % 1_000_000);
        int seq = 0;
        for (String[] event : events) {
            body.append("data: {\"type\":\"").append(event[0])
                    .append("\",\"event_id\":\"").append(id).append('-').append(seq++)
                    .append("\",\"request_id\":\"{{request.headers.X-Request-Id}}\",\"user_id\":\"").append(user)
                    .append("\",\"timestamp\":\"2026-11-25T07:00:00Z\",\"service\":\"execution-agent\",\"data\":")
                    .append(event[1]).append("}\n\n");
        }
        server.stubFor(post(urlEqualTo("/v1/runs"))
                .withRequestBody(containing(marker))
                .willReturn(aResponse().withStatus(200)
                        .withHeader("Content-Type", "text/event-stream")
                        .withBody(body.toString())
                        .withTransformers("response-template")));
    }

    /** Runs whose message contains {@code marker} are refused with this problem. */
    static void refuses(String marker, int status, String problemJson) {
        server.stubFor(post(urlEqualTo("/v1/runs"))
                .withRequestBody(containing(marker))
                .willReturn(aResponse().withStatus(status)
                        .withHeader("Content-Type", "application/problem+json")
                        .withBody(problemJson)));
    }
}
