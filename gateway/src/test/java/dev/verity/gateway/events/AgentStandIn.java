package dev.verity.gateway.events;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
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
 * It also answers the status polls of all three internal services with {@code ready}, so the only
 * {@code service_*} transitions the sockets see are the ones a test fires itself.
 */
public class AgentStandIn implements QuarkusTestResourceLifecycleManager {

    static WireMockServer server;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().dynamicPort());
        server.start();
        readyStatus("", "execution-agent");
        readyStatus("/cascade", "llm-cascade");
        readyStatus("/data", "data-agent");
        return Map.of("quarkus.rest-client.execution-agent.url", server.baseUrl(),
                "quarkus.rest-client.llm-cascade.url", server.baseUrl() + "/cascade",
                "quarkus.rest-client.data-agent.url", server.baseUrl() + "/data");
    }

    /** Waits until the gateway has seen all three stand-in services as ready. */
    static void awaitDownstreamsReady(dev.verity.gateway.status.ServiceDirectory directory, java.time.Duration wait) {
        org.awaitility.Awaitility.await().atMost(wait).until(() -> java.util.stream.Stream
                .of("execution-agent", "llm-cascade", "data-agent")
                .allMatch(service -> directory.current(service).status() == dev.verity.contract.ServiceState.READY));
    }

    private static void readyStatus(String prefix, String service) {
        server.stubFor(get(urlEqualTo(prefix + "/v1/status")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"service\":\"" + service + "\",\"status\":\"ready\",\"since\":\"2026-11-25T07:00:00Z\",\"components\":{}}")));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }

    /**
     * Runs whose message contains {@code marker} stream these events (type, data JSON) for user
     * {@code user}. Like the real agent asked with {@code X-Verity-Failure-Event: caller} (the
     * gateway always asks), an {@code agent_failed} comes without event_id: the gateway logs it.
     */
    static void streams(String marker, String user, List<String[]> events) {
        StringBuilder body = new StringBuilder();
        long id = 1_700_000_000_000L + Math.abs(marker.hashCode() % 1_000_000);
        int seq = 0;
        for (String[] event : events) {
            body.append("data: {\"type\":\"").append(event[0]).append('"');
            if (!event[0].equals("agent_failed")) {
                body.append(",\"event_id\":\"").append(id).append('-').append(seq).append('"');
            }
            seq++;
            body.append(",\"request_id\":\"{{request.headers.X-Request-Id}}\",\"user_id\":\"").append(user)
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
