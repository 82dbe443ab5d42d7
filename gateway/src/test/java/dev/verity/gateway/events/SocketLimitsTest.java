package dev.verity.gateway.events;

import dev.verity.gateway.notices.RequestQueued;
import dev.verity.gateway.notices.ServiceTransition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Heartbeats and idle timeout, and {@code verity.status-events.enabled=false}. */
@QuarkusTest
@TestProfile(SocketLimitsTest.ShortIdle.class)
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_ws_test"), @ResourceArg(name = "redis-db", value = "5")})
@WithTestResource(AgentStandIn.class)
class SocketLimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    public static class ShortIdle implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "verity.events.idle-timeout", "2s",
                    "quarkus.websockets-next.server.auto-ping-interval", "300ms",
                    "verity.status-events.enabled", "false");
        }
    }

    @TestHTTPResource("/ws/v1/events")
    URI endpoint;

    @Inject
    Subscribers subscribers;

    @Inject
    EventRelay relay;

    @Inject
    jakarta.enterprise.event.Event<ServiceTransition> transitions;

    @Inject
    jakarta.enterprise.event.Event<RequestQueued> queue;

    @Test
    void aSilentClientIsClosedForIdlenessWhileOneThatAnswersPingsStays() throws Exception {
        TestUser user = TestUser.of("u-idle", "org-ws", "mid");
        String token = TestInfra.get().tokens().mint(user);
        try (SocketClient live = SocketClient.connect(endpoint, token); StalledSocket silent = new StalledSocket(endpoint, token)) {
            await().atMost(WAIT).until(() -> subscribers.openSockets(user.userId()) == 2);
            await().atMost(WAIT).until(() -> subscribers.openSockets(user.userId()) == 1);
            silent.drain();
            assertThat(silent.closeCode).isEqualTo(1008);
            assertThat(silent.closeReason).contains("idle");
            // The live client has been connected longer than the idle timeout and still gets events.
            await().atMost(WAIT).until(relay::isShared);
            queue.fire(new RequestQueued(user.userId(), "req-idle", 1));
            await().atMost(WAIT).until(() -> !live.framesOfType("request_queued").isEmpty());
            assertThat(live.isClosed()).isFalse();
        }
    }

    @Test
    void statusEventsSwitchedOffSendNoServiceEvents() {
        TestUser user = TestUser.of("u-nostatus", "org-ws", "mid");
        try (SocketClient client = SocketClient.connect(endpoint, TestInfra.get().tokens().mint(user))) {
            await().atMost(WAIT).until(() -> subscribers.openSockets(user.userId()) == 1);
            await().atMost(WAIT).until(relay::isShared);
            transitions.fire(new ServiceTransition(Services.LLM_CASCADE,
                    new ServiceStatus(Services.LLM_CASCADE, ServiceState.READY, null, Instant.now(), Map.of()),
                    new ServiceStatus(Services.LLM_CASCADE, ServiceState.UNAVAILABLE, "down", Instant.now(), Map.of())));
            // A queue event fired after the transition arrives; the service event before it never did.
            queue.fire(new RequestQueued(user.userId(), "req-marker", 1));
            await().atMost(WAIT).until(() -> !client.framesOfType("request_queued").isEmpty());
            assertThat(client.frames).noneMatch(f -> f.path("type").asText().startsWith("service_"));
        }
    }
}
