package dev.verity.gateway;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * WireMock standing in for the three internal services and the support webhook, each under its
 * own path prefix of one server. Tests reach it through {@code test.stand-ins.port}.
 */
public class DownstreamStandIns implements QuarkusTestResourceLifecycleManager {

    public static final String CASCADE = "/cascade";
    public static final String AGENT = "/agent";
    public static final String DATA = "/data";
    public static final String WEBHOOK = "/support/escalations";

    private WireMockServer server;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(WireMockConfiguration.options().dynamicPort().asynchronousResponseEnabled(true));
        server.start();
        String base = "http://localhost:" + server.port();
        return Map.of(
                "quarkus.rest-client.llm-cascade.url", base + CASCADE,
                "quarkus.rest-client.execution-agent.url", base + AGENT,
                "quarkus.rest-client.data-agent.url", base + DATA,
                "verity.tier-handling.webhook-url", base + WEBHOOK,
                "test.stand-ins.port", String.valueOf(server.port()));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
