package dev.verity.gateway.events;

import dev.verity.gateway.notices.RequestQueued;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.local.Endpoints;
import dev.verity.local.PostgresEndpoint;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Redis unreachable: runs on this replica still stream to their sockets; resume says it is unavailable. */
@QuarkusTest
@TestProfile(EventsWithoutRedisTest.NoRedis.class)
@WithTestResource(AgentStandIn.class)
class EventsWithoutRedisTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    public static class NoRedis implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            TestInfra infra = TestInfra.get();
            PostgresEndpoint pg = infra.postgres("verity_gateway_ws_test");
            Map<String, String> config = new java.util.HashMap<>(infra.receiptKeys().config());
            config.putAll(Map.of(
                    "quarkus.redis.hosts", "redis://127.0.0.1:" + Endpoints.freePort(),
                    "verity.events.redis-timeout", "500ms",
                    "quarkus.datasource.reactive.url", pg.reactiveUrl(),
                    "quarkus.datasource.jdbc.url", pg.jdbcUrl(),
                    "quarkus.datasource.username", pg.user(),
                    "quarkus.datasource.password", pg.password(),
                    "mp.jwt.verify.publickey.location", infra.keys().publicKeyPem().toUri().toString(),
                    "mp.jwt.verify.issuer", infra.tokens().issuer()));
            return config;
        }
    }

    @TestHTTPResource("/ws/v1/events")
    URI endpoint;

    @Inject
    EventRelay relay;

    @Inject
    Subscribers subscribers;

    @Inject
    jakarta.enterprise.event.Event<RequestQueued> queue;

    private SocketClient connect(TestUser user) {
        SocketClient client = SocketClient.connect(endpoint, TestInfra.get().tokens().mint(user));
        await().atMost(WAIT).until(() -> subscribers.openSockets(user.userId()) > 0);
        return client;
    }

    @Test
    void theStatusComponentSaysWhatDegraded() {
        assertThat(relay.isShared()).isFalse();
        assertThat(relay.component().isUp()).isFalse();
        assertThat(relay.component().detail()).contains("resume", "replica");
    }

    @Test
    void aRunOnThisReplicaStillStreamsToItsSocket() {
        TestUser user = TestUser.of("u-noredis-run", "org-ws", "mid");
        AgentStandIn.streams("local-run", user.userId(), List.of(
                new String[] {"agent_started", "{}"},
                new String[] {"agent_thinking", "{\"model\":\"small\"}"},
                new String[] {"agent_completed", dev.verity.gateway.TestReceipts.signedCompletionOf("real answer")}));
        try (SocketClient client = connect(user)) {
            client.sendRun("local-run without redis", "ref-local");
            await().atMost(WAIT).until(() -> runEvents(client).size() >= 3);
            assertThat(client.types(runEvents(client))).containsExactly("agent_started", "agent_thinking", "agent_completed");
            assertThat(runEvents(client)).allSatisfy(e -> assertThat(e.path("client_ref").asText()).isEqualTo("ref-local"));
        }
    }

    @Test
    void aRefusedRunStillEndsInOneAgentFailedWithALocalId() {
        TestUser user = TestUser.of("u-noredis-refused", "org-ws", "mid");
        AgentStandIn.refuses("refused-local", 503, "{\"type\":\"urn:verity:problem:service-unavailable\",\"title\":\"x\","
                + "\"status\":503,\"detail\":\"Agent runs are not available.\",\"error_type\":\"service_unavailable\","
                + "\"service\":\"execution-agent\",\"retryable\":true,\"retry_after_seconds\":30}");
        try (SocketClient client = connect(user)) {
            client.sendRun("refused-local run", "ref-x");
            await().atMost(WAIT).until(() -> !client.framesOfType("agent_failed").isEmpty());
            assertThat(runEvents(client)).hasSize(1);
            assertThat(runEvents(client).getFirst().path("event_id").asText()).matches("\\d+-\\d+");
        }
    }

    @Test
    void resumeAnswersWithAProblemAndTheSocketStaysOpen() {
        TestUser user = TestUser.of("u-noredis-resume", "org-ws", "mid");
        try (SocketClient client = connect(user)) {
            client.sendResume("1-0");
            await().atMost(WAIT).until(() -> !client.framesOfType("error").isEmpty());
            JsonNode problem = client.framesOfType("error").getFirst().path("problem");
            assertThat(problem.path("error_type").asText()).isEqualTo("service_unavailable");
            assertThat(problem.path("retryable").asBoolean()).isTrue();
            queue.fire(new RequestQueued(user.userId(), "req-local-q", 2));
            await().atMost(WAIT).until(() -> !client.framesOfType("request_queued").isEmpty());
            assertThat(client.isClosed()).isFalse();
        }
    }

    /**
     * The run's own events. Status transitions of the (absent) downstream services reach the
     * socket too, as they should; these tests look at the run.
     */
    private static List<JsonNode> runEvents(SocketClient client) {
        return client.events().stream().filter(e -> !e.path("type").asText().startsWith("service_")).toList();
    }
}
