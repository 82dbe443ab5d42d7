package dev.verity.agent.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Where the agent under test finds the llm-cascade and the data agent: reached over HTTP through
 * the same {@code quarkus.rest-client.*.url} keys as in production.
 *
 * <p>This is the seam for running against the real cascade. Today both are WireMock stand-ins that
 * serve exactly the contract shapes ({@link CascadeStandIn}, {@link DataAgentStandIn}). When
 * local-infra can start the cascade jar as a process, this resource starts it with WireMock as its
 * OpenAI-compatible provider and points {@code llm-cascade} at it; the tests keep using the
 * scenario methods of {@link CascadeStandIn} ("answers with a tool call", "provider down",
 * "requests received"), which then stub the provider instead of the cascade.
 */
public class DownstreamsTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        StandIns standIns = StandIns.get();
        return Map.of(
                "quarkus.rest-client.llm-cascade.url", standIns.cascade().baseUrl(),
                "quarkus.rest-client.data-agent.url", standIns.dataAgent().baseUrl());
    }

    @Override
    public void stop() {
        // The stand-ins outlive one Quarkus start; StandIns stops them when the JVM exits.
    }
}
