package dev.verity.agent.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import java.time.Instant;

/**
 * What every internal-service stand-in shares: its WireMock server and the {@code /v1/status}
 * it answers, with one representative component.
 */
abstract class ServiceStandIn {

    protected final WireMockServer server;
    private final String service;
    private final String component;
    private final String componentState;

    ServiceStandIn(WireMockServer server, String service, String component, String componentState) {
        this.server = server;
        this.service = service;
        this.component = component;
        this.componentState = componentState;
    }

    public String baseUrl() {
        return server.baseUrl();
    }

    void reset() {
        server.resetAll();
        status("ready", null);
    }

    public void status(String state, String reason) {
        ObjectNode status = Json.MAPPER.createObjectNode().put("service", service).put("status", state)
                .put("since", Instant.now().toString());
        if (reason != null) {
            status.put("reason", reason);
        }
        status.putObject("components").putObject(component).put("state", componentState);
        server.stubFor(get(urlEqualTo("/v1/status")).willReturn(json(200, status.toString())));
    }

    public void statusUnreachable() {
        server.stubFor(get(urlEqualTo("/v1/status")).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    }

    protected static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }
}
