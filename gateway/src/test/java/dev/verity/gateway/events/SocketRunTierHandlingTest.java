package dev.verity.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.client.WireMock;
import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.Services;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.pubsub.PubSubCommands;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A run started over a socket that fails ends in one {@code agent_failed} whose problem
 * carries {@code tier_handling}, exactly as the HTTP chat path answers. The handled event is the
 * only one anywhere: on every socket of the user on this replica (reached both locally and through
 * Redis, deduplicated), on the Redis channel every other replica relays, and in the log a resume
 * replays; an enterprise ticket is opened once.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_ws_test"), @ResourceArg(name = "redis-db", value = "5")})
@WithTestResource(AgentStandIn.class)
class SocketRunTierHandlingTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String PROVIDER_DOWN = "{\"problem\":{\"type\":\"urn:verity:problem:llm-unavailable\","
            + "\"title\":\"LLM services temporarily unavailable\",\"status\":503,\"detail\":\"No configured model answered.\","
            + "\"error_type\":\"llm_unavailable\",\"service\":\"llm-cascade\",\"retryable\":true,\"retry_after_seconds\":30}}";

    @TestHTTPResource("/ws/v1/events")
    URI endpoint;

    @Inject
    EventRelay relay;

    @Inject
    EventLogStore log;

    @Inject
    Subscribers subscribers;

    @Inject
    RedisDataSource redis;

    @Inject
    Pool pool;

    @Inject
    ObjectMapper json;

    @Inject
    dev.verity.gateway.status.ServiceDirectory directory;

    @BeforeEach
    void relayIsListeningAndDownstreamsAreKnown() {
        await().atMost(WAIT).until(relay::isShared);
        AgentStandIn.awaitDownstreamsReady(directory, WAIT);
    }

    @Test
    void anEnterpriseRunThatFailsEndsOnceWithATicketOnEverySocketOnRedisAndInTheLog() throws Exception {
        TestUser user = user("u-ent", "enterprise");
        AgentStandIn.streams("ent-fails", user.userId(), failingRun());
        List<String> published = new CopyOnWriteArrayList<>();
        PubSubCommands.RedisSubscriber otherReplica = listenAsAnotherReplica(user, published);
        try (SocketClient starter = connect(user); SocketClient second = connect(user)) {
            await().atMost(WAIT).until(() -> subscribers.openSockets(user.userId()) == 2);
            starter.sendRun("ent-fails: what did we spend?", "ref-ent");
            await().atMost(WAIT).until(() -> !starter.framesOfType("agent_failed").isEmpty()
                    && !second.framesOfType("agent_failed").isEmpty());
            awaitMarker(user, starter, second);

            for (SocketClient socket : List.of(starter, second)) {
                assertThat(socket.framesOfType("agent_failed")).as("exactly one terminal event per socket").hasSize(1);
                assertThat(socket.framesOfType("agent_completed")).isEmpty();
            }
            JsonNode failed = starter.framesOfType("agent_failed").getFirst();
            String requestId = failed.path("request_id").asText();
            assertThat(failed.path("client_ref").asText()).isEqualTo("ref-ent");
            assertThat(failed.path("service").asText()).isEqualTo("execution-agent");
            JsonNode problem = failed.path("data").path("problem");
            assertThat(problem.path("error_type").asText()).isEqualTo("llm_unavailable");
            JsonNode handling = problem.path("tier_handling");
            assertThat(handling.path("enterprise_escalation").asBoolean()).isTrue();
            assertThat(handling.path("escalation_reference").asText()).isEqualTo("ENT-" + requestId);
            assertThat(handling.path("support_contact").asText()).isEqualTo("support@verity.local");
            assertThat(handling.path("account_manager_email").asText()).isEqualTo(user.accountManagerEmail());
            assertThat(handling.path("incident").asText()).isEqualTo("opened");
            String ticketId = handling.path("support_ticket_id").asText();
            assertThat(second.framesOfType("agent_failed").getFirst().path("event_id").asText())
                    .isEqualTo(failed.path("event_id").asText());
            assertThat(second.framesOfType("agent_failed").getFirst().path("data").path("problem").path("tier_handling")
                    .path("support_ticket_id").asText()).isEqualTo(ticketId);

            List<Row> tickets = ticketsOf(requestId);
            assertThat(tickets).as("one ticket per failed run, not one per path or socket").hasSize(1);
            assertThat(tickets.getFirst().getString("id")).isEqualTo(ticketId);
            assertThat(tickets.getFirst().getString("user_id")).isEqualTo(user.userId());
            assertThat(tickets.getFirst().getString("error_type")).isEqualTo("llm_unavailable");

            // What every other replica relays: one agent_failed for the run, the handled one.
            List<JsonNode> publishedFailures = failuresOf(published, requestId);
            assertThat(publishedFailures).hasSize(1);
            assertThat(publishedFailures.getFirst().path("event_id").asText()).isEqualTo(failed.path("event_id").asText());
            assertThat(publishedFailures.getFirst().path("data").path("problem").path("tier_handling")
                    .path("support_ticket_id").asText()).isEqualTo(ticketId);

            // What a resume replays: the same single handled event.
            List<JsonNode> logged = redis.stream(String.class)
                    .xrange(EventLogStore.LOG_PREFIX + user.userId(), StreamRange.of("-", "+")).stream()
                    .map(message -> read(message.payload().get(EventLogStore.FIELD)))
                    .filter(event -> requestId.equals(event.path("request_id").asText()))
                    .toList();
            assertThat(logged).extracting(e -> e.path("type").asText()).containsExactly("agent_failed");
            assertThat(logged.getFirst().path("data").path("problem").path("tier_handling").path("support_ticket_id").asText())
                    .isEqualTo(ticketId);
        } finally {
            otherReplica.unsubscribe();
        }
        var calls = AgentStandIn.server.findAll(WireMock.postRequestedFor(WireMock.urlEqualTo("/v1/runs"))
                .withRequestBody(WireMock.containing("ent-fails")));
        assertThat(calls.getLast().getHeader("X-Verity-Failure-Event")).isEqualTo("caller");
    }

    @Test
    void aColleaguesRunThatFailsTheSameWayJoinsTheIncidentAndACompletedRunResolvesIt() {
        TestUser first = user("u-ent-first", "enterprise");
        TestUser colleague = new TestUser("u-ent-colleague-" + UUID.randomUUID().toString().substring(0, 8), first.orgId(),
                "enterprise", null, null);
        AgentStandIn.streams("join-first", first.userId(), failingRun());
        AgentStandIn.streams("join-colleague", colleague.userId(), failingRun());
        List<String[]> completed = new ArrayList<>();
        completed.add(new String[] {"agent_started", "{}"});
        completed.add(new String[] {"agent_completed", dev.verity.gateway.TestReceipts.signedCompletion(
                "{\"response\":\"Fine.\",\"provenance\":{\"model\":\"small\","
                + "\"provider\":\"openai-compatible\",\"provider_request_id\":\"chatcmpl-ok\",\"produced_at\":\"2026-11-25T07:00:00Z\","
                + "\"degraded\":false,\"cache_hit\":false,\"attempts\":[],\"latency_ms\":12}}")});
        AgentStandIn.streams("join-recovered", colleague.userId(), completed);

        JsonNode opened;
        try (SocketClient socket = connect(first)) {
            socket.sendRun("join-first: what did we spend?", "ref-1");
            await().atMost(WAIT).until(() -> !socket.framesOfType("agent_failed").isEmpty());
            opened = socket.framesOfType("agent_failed").getFirst().path("data").path("problem").path("tier_handling");
        }
        try (SocketClient socket = connect(colleague)) {
            socket.sendRun("join-colleague: and now?", "ref-2");
            await().atMost(WAIT).until(() -> !socket.framesOfType("agent_failed").isEmpty());
            JsonNode failed = socket.framesOfType("agent_failed").getFirst();
            JsonNode joined = failed.path("data").path("problem").path("tier_handling");
            assertThat(opened.path("incident").asText()).isEqualTo("opened");
            assertThat(joined.path("incident").asText()).isEqualTo("joined");
            assertThat(joined.path("support_ticket_id").asText()).isEqualTo(opened.path("support_ticket_id").asText());
            assertThat(joined.path("escalation_reference").asText()).isEqualTo("ENT-" + failed.path("request_id").asText());

            socket.sendRun("join-recovered: once more", "ref-3");
            await().atMost(WAIT).until(() -> !socket.framesOfType("agent_completed").isEmpty());
        }
        String incidentId = opened.path("support_ticket_id").asText();
        await().atMost(WAIT).until(() -> "resolved".equals(pool.preparedQuery("SELECT state FROM gateway.incidents WHERE id = $1")
                .execute(Tuple.of(incidentId)).await().atMost(WAIT).iterator().next().getString("state")));
        Row row = pool.preparedQuery("SELECT occurrences, resolution FROM gateway.incidents WHERE id = $1")
                .execute(Tuple.of(incidentId)).await().atMost(WAIT).iterator().next();
        assertThat(row.getLong("occurrences")).isEqualTo(2);
        assertThat(row.getString("resolution")).isEqualTo("success");
    }

    @Test
    void aFreeRunThatFailsCarriesQueuePositionAndTheStatusPageAndOpensNoTicket() {
        TestUser user = user("u-free", "free");
        AgentStandIn.streams("free-fails", user.userId(), failingRun());
        try (SocketClient socket = connect(user)) {
            socket.sendRun("free-fails: how fast were my calls?", "ref-free");
            await().atMost(WAIT).until(() -> !socket.framesOfType("agent_failed").isEmpty());
            awaitMarker(user, socket);

            assertThat(socket.framesOfType("agent_failed")).hasSize(1);
            JsonNode failed = socket.framesOfType("agent_failed").getFirst();
            JsonNode handling = failed.path("data").path("problem").path("tier_handling");
            assertThat(handling.path("enterprise_escalation").asBoolean()).isFalse();
            assertThat(handling.path("queue_position").asInt()).isEqualTo(1);
            assertThat(handling.path("status_page_url").asText()).isEqualTo("http://gateway.test/status");
            assertThat(handling.path("next_steps").toString()).contains("Retry after 30 seconds.");
            assertThat(handling.has("support_ticket_id")).isFalse();
            assertThat(ticketsOf(failed.path("request_id").asText())).isEmpty();
        }
    }

    @Test
    void aFailureTheGatewaySeesItselfGetsTierHandlingToo() {
        TestUser user = user("u-ent-refused", "enterprise");
        AgentStandIn.refuses("ent-refused", 503, "{\"type\":\"urn:verity:problem:service-unavailable\",\"title\":\"x\","
                + "\"status\":503,\"detail\":\"Agent runs are not available.\",\"error_type\":\"service_unavailable\","
                + "\"service\":\"execution-agent\",\"retryable\":true,\"retry_after_seconds\":30}");
        try (SocketClient socket = connect(user)) {
            socket.sendRun("ent-refused now", "ref-refused");
            await().atMost(WAIT).until(() -> !socket.framesOfType("agent_failed").isEmpty());
            awaitMarker(user, socket);

            assertThat(socket.framesOfType("agent_failed")).hasSize(1);
            JsonNode failed = socket.framesOfType("agent_failed").getFirst();
            JsonNode handling = failed.path("data").path("problem").path("tier_handling");
            assertThat(handling.path("enterprise_escalation").asBoolean()).isTrue();
            assertThat(ticketsOf(failed.path("request_id").asText())).hasSize(1)
                    .first().satisfies(row -> assertThat(row.getString("id")).isEqualTo(handling.path("support_ticket_id").asText()));
        }
    }

    private static List<String[]> failingRun() {
        List<String[]> events = new ArrayList<>();
        events.add(new String[] {"agent_started", "{}"});
        events.add(new String[] {"agent_thinking", "{\"model\":\"small\"}"});
        events.add(new String[] {"agent_failed", PROVIDER_DOWN});
        return events;
    }

    private static TestUser user(String name, String tier) {
        // An organisation of its own: support incidents are per organisation, service and error type.
        TestUser base = TestUser.of(name + "-" + UUID.randomUUID().toString().substring(0, 8),
                "org-ws-tier-" + UUID.randomUUID().toString().substring(0, 8), tier);
        return new TestUser(base.userId(), base.orgId(), tier, base.email(), "am-" + base.userId() + "@verity.test");
    }

    private SocketClient connect(TestUser user) {
        int before = subscribers.openSockets(user.userId());
        SocketClient client = SocketClient.connect(endpoint, TestInfra.get().tokens().mint(user));
        await().atMost(WAIT).until(() -> subscribers.openSockets(user.userId()) > before);
        return client;
    }

    /**
     * Logs a later event for the user and waits until every socket has it: pub/sub keeps order, so
     * a second agent_failed on any path would have arrived before it. Proves "nothing more came".
     */
    private void awaitMarker(TestUser user, SocketClient... sockets) {
        Event marker = log.append(new Event(EventType.REQUEST_QUEUED, null, "req-marker-" + UUID.randomUUID(), user.userId(),
                Instant.now(), Services.GATEWAY, null, Map.of("position", 1))).await().atMost(WAIT).event();
        for (SocketClient socket : sockets) {
            await().atMost(WAIT).until(() -> socket.events().stream()
                    .anyMatch(e -> marker.eventId().equals(e.path("event_id").asText())));
        }
    }

    /** A subscriber on the user's channel sees exactly what every other gateway replica relays. */
    private PubSubCommands.RedisSubscriber listenAsAnotherReplica(TestUser user, List<String> published) {
        String channel = EventLogStore.CHANNEL_PREFIX + user.userId();
        PubSubCommands.RedisSubscriber subscriber = redis.pubsub(String.class).subscribe(channel, published::add);
        await().atMost(WAIT).until(() -> redis.execute("PUBSUB", "NUMSUB", channel).get(1).toLong() > 0);
        return subscriber;
    }

    private List<JsonNode> failuresOf(List<String> published, String requestId) {
        return published.stream().map(this::read)
                .filter(e -> "agent_failed".equals(e.path("type").asText()) && requestId.equals(e.path("request_id").asText()))
                .toList();
    }

    private List<Row> ticketsOf(String requestId) {
        List<Row> rows = new ArrayList<>();
        pool.preparedQuery("SELECT i.*, u.user_id FROM gateway.incidents i JOIN gateway.incident_users u ON u.incident_id = i.id "
                        + "WHERE $1 = ANY(u.request_ids)")
                .execute(Tuple.of(requestId)).await().atMost(WAIT).forEach(rows::add);
        return rows;
    }

    private JsonNode read(String text) {
        try {
            return json.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
