package dev.verity.agent.support;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

/**
 * One cascade stand-in and one data-agent stand-in per test JVM, shared by every test class (so a
 * Quarkus restart between classes keeps the same addresses) and stopped when the JVM exits.
 */
public final class StandIns {

    private static StandIns instance;

    private final CascadeStandIn cascade;
    private final DataAgentStandIn dataAgent;

    private StandIns() {
        WireMockServer cascadeServer = new WireMockServer(WireMockConfiguration.options().dynamicPort()
                .containerThreads(32).asynchronousResponseEnabled(true));
        WireMockServer dataServer = new WireMockServer(WireMockConfiguration.options().dynamicPort()
                .containerThreads(32).asynchronousResponseEnabled(true));
        cascadeServer.start();
        dataServer.start();
        StreamingRelay relay = new StreamingRelay(cascadeServer.port());
        cascade = new CascadeStandIn(cascadeServer, relay);
        dataAgent = new DataAgentStandIn(dataServer);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            relay.stop();
            cascadeServer.stop();
            dataServer.stop();
        }, "agent-stand-ins-stop"));
    }

    public static synchronized StandIns get() {
        if (instance == null) {
            instance = new StandIns();
        }
        return instance;
    }

    public CascadeStandIn cascade() {
        return cascade;
    }

    public DataAgentStandIn dataAgent() {
        return dataAgent;
    }

    /** Forgets every stub and every recorded request; both services answer their status as ready again. */
    public void reset() {
        cascade.reset();
        dataAgent.reset();
    }
}
