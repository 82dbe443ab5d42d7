package dev.verity.gateway;

import dev.verity.gateway.status.StatusPoller;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.Tokens;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;

/** Shared setup: stand-ins reset to "every service ready", statuses polled before each test. */
abstract class GatewayTestSupport {

    @Inject
    StatusPoller poller;

    // Set by DownstreamStandIns; the WebSocket test classes boot without it, and every test class
    // is validated as a bean whichever class started the application.
    @ConfigProperty(name = "test.stand-ins.port", defaultValue = "0")
    int standInsPort;

    StandIns standIns;

    @BeforeEach
    void everyServiceReady() {
        standIns = new StandIns(standInsPort);
        standIns.reset();
        standIns.allReady();
        standIns.webhookAccepts();
        poll();
    }

    void poll() {
        poller.pollAll().await().indefinitely();
    }

    static Tokens tokens() {
        return TestInfra.get().tokens();
    }

    /**
     * A user of its own per test, so per-user state (rate limits) never leaks between tests; an
     * enterprise user also gets an organisation of its own, so support incidents (one per
     * organisation, service and error type) never join across tests.
     */
    static TestUser user(String tier) {
        String org = "enterprise".equals(tier) ? "org-enterprise-" + UUID.randomUUID().toString().substring(0, 8) : "org-" + tier;
        return TestUser.of("u-" + tier + "-" + UUID.randomUUID().toString().substring(0, 8), org, tier);
    }

    /** Another user of the same organisation and tier. */
    static TestUser colleagueOf(TestUser user) {
        return TestUser.of("u-" + user.tier() + "-" + UUID.randomUUID().toString().substring(0, 8), user.orgId(), user.tier());
    }

    static String requestId(String label) {
        return label + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String claim(String token, String name) {
        String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
        var matcher = java.util.regex.Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(payload);
        return matcher.find() ? matcher.group(1) : null;
    }
}
