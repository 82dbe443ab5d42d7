package dev.verity.gateway.events;

import dev.verity.gateway.notices.RequestQueued;
import dev.verity.gateway.notices.ServiceTransition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_ws_test"), @ResourceArg(name = "redis-db", value = "5")})
@WithTestResource(AgentStandIn.class)
class EventSocketTest {

    // An upper bound, not a wait: generous because the first status polls on a loaded 2-core machine take seconds.
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TestHTTPResource("/ws/v1/events")
    URI endpoint;

    @Inject
    EventLogStore log;

    @Inject
    MeterRegistry registry;

    @Inject
    EventRelay relay;

    @Inject
    Subscribers subscribers;

    @Inject
    RedisDataSource redis;

    @Inject
    jakarta.enterprise.event.Event<ServiceTransition> transitions;

    @Inject
    jakarta.enterprise.event.Event<RequestQueued> queue;

    @Inject
    dev.verity.gateway.status.ServiceDirectory directory;

    @BeforeEach
    void relayIsListeningAndDownstreamsAreKnown() {
        await().atMost(WAIT).until(relay::isShared);
        // The gateway's own first status polls turn every service from initializing to ready and tell
        // every open socket; they must be over before a test opens its sockets and counts frames.
        AgentStandIn.awaitDownstreamsReady(directory, WAIT);
    }

    private static TestUser user(String name) {
        return TestUser.of(name + "-" + UUID.randomUUID().toString().substring(0, 8), "org-ws", "mid");
    }

    private static String token(TestUser user) {
        return TestInfra.get().tokens().mint(user);
    }

    private SocketClient connect(TestUser user) {
        SocketClient client = SocketClient.connect(endpoint, token(user));
        await().atMost(WAIT).until(() -> subscribers.openSockets(user.userId()) > 0);
        return client;
    }

    /** An event as the execution agent logs it: XADD + PUBLISH on the user's channel. */
    private Event logAsAgent(TestUser user, String requestId, EventType type, Map<String, Object> data) {
        Event event = new Event(type, null, requestId, user.userId(), Instant.now(), Services.EXECUTION_AGENT, null, data);
        return log.append(event).await().atMost(WAIT).event();
    }

    // --- authentication on the upgrade -------------------------------------------------------

    @Test
    void anUpgradeWithoutTokenIsRefused() {
        assertThat(SocketClient.refusedStatus(endpoint, null)).isEqualTo(401);
    }

    @Test
    void expiredTamperedAndForeignTokensAreRefused() {
        TestUser user = user("u-bad");
        assertThat(SocketClient.refusedStatus(endpoint, TestInfra.get().tokens().expired(user))).isEqualTo(401);
        assertThat(SocketClient.refusedStatus(endpoint, TestInfra.get().tokens().tampered(user))).isEqualTo(401);
        assertThat(SocketClient.refusedStatus(endpoint, TestInfra.get().tokens().foreignKey(user))).isEqualTo(401);
        assertThat(SocketClient.refusedStatus(endpoint, TestInfra.get().tokens().unsigned(user))).isEqualTo(401);
    }

    @Test
    void aBrowserCanSendItsTokenAsSubprotocol() {
        TestUser user = user("u-browser");
        try (SocketClient client = SocketClient.connectWithSubprotocol(endpoint, token(user))) {
            assertThat(client.subprotocol()).isEqualTo("bearer-token-carrier");
            await().atMost(WAIT).until(() -> subscribers.openSockets(user.userId()) == 1);
            Event queued = deliverQueued(user, "req-browser", 2);
            await().atMost(WAIT).until(() -> client.events().size() == 1);
            assertThat(client.events().getFirst().path("event_id").asText()).isEqualTo(queued.eventId());
        }
    }

    @Test
    void aTokenThatExpiresWhileConnectedClosesTheSocketWithAReason() {
        TestUser user = user("u-expiring");
        SocketClient client = SocketClient.connect(endpoint, TestInfra.get().tokens().mint(user, Duration.ofSeconds(3)));
        await().atMost(Duration.ofSeconds(15)).until(() -> client.closeCode != null);
        assertThat(client.closeCode).isEqualTo(1008);
        assertThat(client.closeReason).containsIgnoringCase("expired");
        await().atMost(WAIT).until(() -> subscribers.openSockets(user.userId()) == 0);
    }

    // --- runs over the socket ----------------------------------------------------------------

    @Test
    void twoUsersWithConcurrentRunsEachGetExactlyTheirOwnRunInOrder() {
        TestUser alice = user("u-alice");
        TestUser bob = user("u-bob");
        List<String> aliceOrder = List.of("agent_started", "agent_thinking", "tool_executing", "tool_completed",
                "agent_thinking", "agent_completed");
        List<String> bobOrder = List.of("agent_started", "agent_thinking", "agent_completed");
        AgentStandIn.streams("alice-run", alice.userId(), stream(aliceOrder));
        AgentStandIn.streams("bob-run", bob.userId(), stream(bobOrder));
        try (SocketClient a = connect(alice); SocketClient b = connect(bob)) {
            a.sendRun("alice-run: how fast were my calls?", "ref-a");
            b.sendRun("bob-run: what did I spend?", "ref-b");

            await().atMost(WAIT).until(() -> a.events().size() >= aliceOrder.size() && b.events().size() >= bobOrder.size());
            assertThat(a.types(a.events())).containsExactlyElementsOf(aliceOrder);
            assertThat(b.types(b.events())).containsExactlyElementsOf(bobOrder);
            assertThat(a.events()).allSatisfy(e -> {
                assertThat(e.path("user_id").asText()).isEqualTo(alice.userId());
                assertThat(e.path("client_ref").asText()).isEqualTo("ref-a");
            });
            assertThat(b.events()).allSatisfy(e -> {
                assertThat(e.path("user_id").asText()).isEqualTo(bob.userId());
                assertThat(e.path("client_ref").asText()).isEqualTo("ref-b");
            });
            assertThat(a.events().stream().map(e -> e.path("request_id").asText()).distinct()).hasSize(1);
            assertThat(a.events().getLast().path("data").path("response").asText()).isEqualTo("real answer");
        }
        var call = AgentStandIn.server.findAll(com.github.tomakehurst.wiremock.client.WireMock
                .postRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo("/v1/runs"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("alice-run")));
        assertThat(call).isNotEmpty();
        assertThat(call.getLast().getHeader("Authorization")).startsWith("Bearer ");
        assertThat(call.getLast().getHeader("X-Request-Id")).isNotBlank();
        assertThat(Long.parseLong(call.getLast().getHeader("X-Request-Deadline"))).isGreaterThan(System.currentTimeMillis());
        assertThat(call.getLast().getBodyAsString()).contains("\"stream\":true");
    }

    @Test
    void aProviderFailureEndsTheRunWithAgentFailedAndTheServiceEventAndNothingAfter() {
        TestUser user = user("u-provider");
        List<String[]> events = new ArrayList<>(stream(List.of("agent_started", "agent_thinking")));
        events.add(new String[] {"service_degraded", "{\"service\":\"llm-cascade\",\"reason\":\"model small breaker open\"}"});
        events.add(new String[] {"agent_failed", "{\"problem\":{\"type\":\"urn:verity:problem:llm-unavailable\","
                + "\"title\":\"LLM services temporarily unavailable\",\"status\":503,\"detail\":\"No configured model answered.\","
                + "\"error_type\":\"llm_unavailable\",\"service\":\"llm-cascade\",\"retryable\":true,\"retry_after_seconds\":30}}"});
        // A misbehaving agent keeps talking after the terminal event: none of it may reach the user.
        events.add(new String[] {"agent_thinking", "{\"model\":\"large\"}"});
        events.add(new String[] {"tool_executing", "{\"tool\":\"metrics\"}"});
        AgentStandIn.streams("provider-fails", user.userId(), events);
        try (SocketClient client = connect(user)) {
            client.sendRun("provider-fails now", "ref-p");
            await().atMost(WAIT).until(() -> client.types(client.events()).contains("agent_failed"));
            transitions.fire(new ServiceTransition(Services.LLM_CASCADE,
                    status(Services.LLM_CASCADE, ServiceState.READY, null), status(Services.LLM_CASCADE, ServiceState.UNAVAILABLE,
                            "every model's breaker is open")));
            await().atMost(WAIT).until(() -> client.types(client.events()).contains("service_unavailable"));

            List<String> types = client.types(client.events());
            assertThat(types).containsSubsequence("agent_started", "agent_thinking", "service_degraded", "agent_failed",
                    "service_unavailable");
            List<String> afterFailure = types.subList(types.indexOf("agent_failed") + 1, types.size());
            assertThat(afterFailure).doesNotContain("agent_thinking", "tool_executing", "agent_completed", "agent_failed");
            JsonNode failed = client.framesOfType("agent_failed").getFirst();
            assertThat(failed.path("data").path("problem").path("error_type").asText()).isEqualTo("llm_unavailable");
        } finally {
            transitions.fire(new ServiceTransition(Services.LLM_CASCADE, null, status(Services.LLM_CASCADE, ServiceState.READY, null)));
        }
    }

    @Test
    void anAgentThatRefusesTheRunGivesOneAgentFailedWithItsProblem() {
        TestUser user = user("u-refused");
        AgentStandIn.refuses("refuse-me", 503, "{\"type\":\"urn:verity:problem:service-unavailable\",\"title\":\"x\","
                + "\"status\":503,\"detail\":\"Agent runs are not available.\",\"error_type\":\"service_unavailable\","
                + "\"service\":\"execution-agent\",\"retryable\":true,\"retry_after_seconds\":30}");
        try (SocketClient client = connect(user)) {
            client.sendRun("refuse-me please", "ref-r");
            await().atMost(WAIT).until(() -> !client.framesOfType("agent_failed").isEmpty());
            JsonNode failed = client.framesOfType("agent_failed").getFirst();
            assertThat(failed.path("client_ref").asText()).isEqualTo("ref-r");
            assertThat(failed.path("event_id").asText()).matches("\\d+-\\d+");
            assertThat(failed.path("data").path("problem").path("detail").asText()).isEqualTo("Agent runs are not available.");
            assertThat(client.events()).hasSize(1);
        }
    }

    @Test
    void aStreamThatEndsWithoutTerminalEventEndsInAgentFailed() {
        TestUser user = user("u-cut");
        AgentStandIn.streams("cut-short", user.userId(), stream(List.of("agent_started", "agent_thinking")));
        try (SocketClient client = connect(user)) {
            client.sendRun("cut-short run", "ref-c");
            await().atMost(WAIT).until(() -> client.types(client.events()).contains("agent_failed"));
            assertThat(client.types(client.events())).containsExactly("agent_started", "agent_thinking", "agent_failed");
            JsonNode problem = client.framesOfType("agent_failed").getFirst().path("data").path("problem");
            assertThat(problem.path("error_type").asText()).isEqualTo("service_unavailable");
            assertThat(problem.path("retryable").asBoolean()).isTrue();
            // No internal address or exception text; the one link is the public status page of tier handling.
            assertThat(((com.fasterxml.jackson.databind.node.ObjectNode) problem.deepCopy()).without("tier_handling").toString())
                    .doesNotContain("http://", "Exception");
            assertThat(problem.path("tier_handling").path("status_page_url").asText()).isEqualTo("http://gateway.test/status");
        }
    }

    @Test
    void aStatusTransitionReachesEverySocketOnceAndEachNamesItsOwnUser() {
        TestUser alice = user("u-status-a");
        TestUser bob = user("u-status-b");
        try (SocketClient a1 = connect(alice); SocketClient a2 = SocketClient.connect(endpoint, token(alice));
             SocketClient b = connect(bob)) {
            await().atMost(WAIT).until(() -> subscribers.openSockets(alice.userId()) == 2);
            transitions.fire(new ServiceTransition(Services.DATA_AGENT,
                    status(Services.DATA_AGENT, ServiceState.READY, null),
                    status(Services.DATA_AGENT, ServiceState.UNAVAILABLE, "connection refused")));
            await().atMost(WAIT).until(() -> !a1.framesOfType("service_unavailable").isEmpty()
                    && !a2.framesOfType("service_unavailable").isEmpty() && !b.framesOfType("service_unavailable").isEmpty());
            // The text is encoded once per user: a socket of another user must never get that user's copy.
            for (var socket : List.of(Map.entry(a1, alice), Map.entry(a2, alice), Map.entry(b, bob))) {
                List<JsonNode> unavailable = socket.getKey().framesOfType("service_unavailable");
                assertThat(unavailable).hasSize(1);
                assertThat(unavailable.getFirst().path("user_id").asText()).isEqualTo(socket.getValue().userId());
                assertThat(unavailable.getFirst().path("data").path("service").asText()).isEqualTo(Services.DATA_AGENT);
                assertThat(unavailable.getFirst().has("event_id")).isFalse();
            }
        } finally {
            transitions.fire(new ServiceTransition(Services.DATA_AGENT, null, status(Services.DATA_AGENT, ServiceState.READY, null)));
        }
    }

    // --- relay, resume, dedupe ----------------------------------------------------------------

    @Test
    void eventsPublishedForAUserReachOnlyThatUsersSockets() {
        TestUser alice = user("u-own");
        TestUser mallory = user("u-other");
        try (SocketClient a1 = connect(alice); SocketClient a2 = connect(alice); SocketClient m = connect(mallory)) {
            await().atMost(WAIT).until(() -> subscribers.openSockets(alice.userId()) == 2);
            Event started = logAsAgent(alice, "req-own", EventType.AGENT_STARTED, Map.of());
            Event done = logAsAgent(alice, "req-own", EventType.AGENT_COMPLETED, dev.verity.gateway.TestReceipts.signedCompletionData("real"));
            await().atMost(WAIT).until(() -> a1.events().size() == 2 && a2.events().size() == 2);
            assertThat(a1.events()).extracting(e -> e.path("event_id").asText()).containsExactly(started.eventId(), done.eventId());
            assertThat(a2.events()).extracting(e -> e.path("event_id").asText()).containsExactly(started.eventId(), done.eventId());
            // A marker event for mallory proves her socket was listening all along, and got nothing else.
            Event marker = logAsAgent(mallory, "req-m", EventType.AGENT_STARTED, Map.of());
            await().atMost(WAIT).until(() -> m.events().size() == 1);
            assertThat(m.events().getFirst().path("event_id").asText()).isEqualTo(marker.eventId());
        }
    }

    @Test
    void aRedisCheckMissedOnceKeepsTheSubscriptionAndEventsStillArrive() {
        TestUser user = user("u-slow-redis");
        try (SocketClient socket = connect(user)) {
            // Redis answers nobody for 4.5 s, as a busy Redis or machine may: checks start every 2 s and
            // wait 2 s (verity.events.redis-timeout), so one or two miss in a row, and that is not an outage.
            redis.execute("CLIENT", "PAUSE", "4500", "ALL");
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).until(relay::isShared);
            Event after = logAsAgent(user, "req-after-pause", EventType.AGENT_STARTED, Map.of());
            await().atMost(WAIT).until(() -> socket.events().size() == 1);
            assertThat(socket.events().getFirst().path("event_id").asText()).isEqualTo(after.eventId());
        }
    }

    @Test
    void disconnectMidRunAndResumeGivesEveryEventExactlyOnceInOrder() {
        TestUser user = user("u-resume");
        String run = "req-" + UUID.randomUUID();
        List<String> all = new ArrayList<>();
        String lastSeen = firstHalfThenDisconnect(user, run, all);

        // Reconnect resuming from the upgrade; the run finishes while the history is replayed.
        SocketClient second = SocketClient.connect(URI.create(endpoint + "?after=" + lastSeen), token(user));
        try (second) {
            all.add(logAsAgent(user, run, EventType.AGENT_COMPLETED, dev.verity.gateway.TestReceipts.signedCompletionData("real")).eventId());
            await().atMost(WAIT).until(() -> !second.framesOfType("resumed").isEmpty()
                    && second.types(second.events()).contains("agent_completed"));
            // Resuming again from the same point replays what was already delivered: still only once.
            second.sendResume(lastSeen);
            await().atMost(WAIT).until(() -> second.framesOfType("resumed").size() == 2);

            List<String> received = new ArrayList<>(List.of(all.get(0), all.get(1)));
            second.events().forEach(e -> received.add(e.path("event_id").asText()));
            assertThat(received).as(second.frames.toString()).containsExactlyElementsOf(all);
            assertThat(second.types(second.events())).containsExactly("tool_executing", "tool_completed", "agent_completed");
        }
    }

    @Test
    void aResumeMessageAfterTheRunEndedLiveStillDeliversTheMissedEventsOnce() {
        TestUser user = user("u-resume-late");
        String run = "req-" + UUID.randomUUID();
        List<String> all = new ArrayList<>();
        String lastSeen = firstHalfThenDisconnect(user, run, all);
        try (SocketClient second = connect(user)) {
            // The terminal event reaches the new socket live before the client asks for what it missed.
            all.add(logAsAgent(user, run, EventType.AGENT_COMPLETED, dev.verity.gateway.TestReceipts.signedCompletionData("real")).eventId());
            await().atMost(WAIT).until(() -> second.types(second.events()).contains("agent_completed"));
            second.sendResume(lastSeen);
            await().atMost(WAIT).until(() -> second.framesOfType("resumed").size() == 1);

            List<String> received = new ArrayList<>(List.of(all.get(0), all.get(1)));
            second.events().forEach(e -> received.add(e.path("event_id").asText()));
            assertThat(received).as(second.frames.toString()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(all);
            assertThat(second.types(second.events())).filteredOn("agent_completed"::equals).hasSize(1);
        }
    }

    /** Two events seen live, the socket lost, two more logged while away; returns the last id seen. */
    private String firstHalfThenDisconnect(TestUser user, String run, List<String> all) {
        String lastSeen;
        SocketClient first = connect(user);
        all.add(logAsAgent(user, run, EventType.AGENT_STARTED, Map.of()).eventId());
        all.add(logAsAgent(user, run, EventType.AGENT_THINKING, Map.of("model", "small")).eventId());
        await().atMost(WAIT).until(() -> first.events().size() == 2);
        lastSeen = first.events().getLast().path("event_id").asText();
        first.abort();
        await().atMost(WAIT).until(() -> subscribers.openSockets(user.userId()) == 0);
        all.add(logAsAgent(user, run, EventType.TOOL_EXECUTING, Map.of("tool", "metrics")).eventId());
        all.add(logAsAgent(user, run, EventType.TOOL_COMPLETED, Map.of("tool", "metrics", "ok", true)).eventId());
        return lastSeen;
    }

    @Test
    void resumingWithAnotherUsersEventIdReturnsNothingOfTheirs() {
        TestUser victim = user("u-victim");
        TestUser attacker = user("u-attacker");
        Event secret = logAsAgent(victim, "req-secret", EventType.AGENT_STARTED, Map.of("note", "victim's"));
        logAsAgent(victim, "req-secret", EventType.AGENT_COMPLETED, Map.of("response", "victim's answer"));
        try (SocketClient client = connect(attacker)) {
            client.sendResume(secret.eventId());
            client.sendResume("0-0");
            await().atMost(WAIT).until(() -> client.framesOfType("resumed").size() == 2);
            assertThat(client.events()).isEmpty();
            assertThat(client.frames.toString()).doesNotContain(victim.userId(), "victim's");
        }
    }

    @Test
    void aMalformedResumePointOnTheUpgradeGetsAnErrorFrameOnAnOpenSocket() {
        TestUser user = user("u-badafter");
        try (SocketClient client = SocketClient.connect(URI.create(endpoint + "?after=..%2F..%2Fetc"), token(user))) {
            await().atMost(WAIT).until(() -> client.framesOfType("error").size() == 1);
            assertThat(client.framesOfType("error").getFirst().path("problem").path("error_type").asText())
                    .isEqualTo("invalid_request");
            client.sendResume("0-0");
            await().atMost(WAIT).until(() -> client.framesOfType("resumed").size() == 1);
        }
    }

    @Test
    void malformedMessagesGetAnErrorFrameAndTheSocketStaysOpen() {
        TestUser user = user("u-malformed");
        List<String> bad = List.of("not json", "[1,2]", "{\"message\":\"no type\"}", "{\"type\":\"explode\"}",
                "{\"type\":\"run\"}", "{\"type\":\"run\",\"message\":\"hi\",\"drop_table\":true}",
                "{\"type\":\"run\",\"message\":\"hi\",\"history\":[{\"role\":\"system\",\"content\":\"x\"}]}",
                "{\"type\":\"resume\",\"after\":\"../../etc\"}", "{\"type\":\"resume\"}");
        try (SocketClient client = connect(user)) {
            for (String message : bad) {
                client.send(message);
            }
            await().atMost(WAIT).until(() -> client.framesOfType("error").size() == bad.size());
            assertThat(client.framesOfType("error")).allSatisfy(frame -> {
                JsonNode problem = frame.path("problem");
                assertThat(problem.path("error_type").asText()).isEqualTo("invalid_request");
                assertThat(problem.path("status").asInt()).isEqualTo(400);
                assertThat(problem.path("retryable").asBoolean()).isFalse();
                assertThat(problem.path("detail").asText()).doesNotContain("Exception", "com.fasterxml");
            });
            assertThat(client.framesOfType("error").get(5).path("problem").path("detail").asText()).contains("drop_table");
            client.sendResume("0-0");
            await().atMost(WAIT).until(() -> client.framesOfType("resumed").size() == 1);
            assertThat(client.isClosed()).isFalse();
        }
    }

    @Test
    void aSlowConsumerIsDisconnectedWithAReasonInsteadOfBufferingWithoutLimit() throws Exception {
        TestUser user = user("u-slow");
        try (StalledSocket stalled = new StalledSocket(endpoint, token(user))) {
            await().atMost(WAIT).until(() -> subscribers.openSockets(user.userId()) == 1);
            String filler = "x".repeat(16 * 1024);
            int published = 0;
            // Delivered as the relay delivers: as fast as events come, to a client that reads none of them.
            while (subscribers.openSockets(user.userId()) > 0 && published < 3_000) {
                subscribers.deliver(user.userId(), new Event(EventType.AGENT_THINKING, "1-" + published, "req-slow",
                        user.userId(), Instant.now(), Services.EXECUTION_AGENT, null, Map.of("filler", filler)));
                published++;
            }
            assertThat(subscribers.openSockets(user.userId())).isZero();
            assertThat(published).as("disconnected long before everything was pushed").isLessThan(3_000);
            stalled.drain();
            assertThat(stalled.textFrames).isLessThan(published);
            if (stalled.closeCode != null) {
                assertThat(stalled.closeCode).isEqualTo(1008);
                assertThat(stalled.closeReason).contains("send buffer full");
            }
        }
    }

    // --- status and queue events --------------------------------------------------------------

    private long fanOuts() {
        Timer timer = registry.find("verity.gateway.status.fanout").timer();
        return timer == null ? 0 : timer.count();
    }

    @Test
    void aRepeatedStatusIsNoTransitionAndIsNotFannedOut() {
        ServiceStatus down = new ServiceStatus(Services.DATA_AGENT, ServiceState.DEGRADED, "replica lagging",
                Instant.now(), Map.of());
        long fanOuts = fanOuts();

        transitions.fire(new ServiceTransition(Services.DATA_AGENT, down, down));

        assertThat(fanOuts()).isEqualTo(fanOuts);
    }

    @Test
    void serviceTransitionsReachEverySocketAndANewSocketLearnsOngoingOutages() {
        TestUser user = user("u-status");
        try (SocketClient client = connect(user)) {
            ServiceStatus ready = status(Services.DATA_AGENT, ServiceState.READY, null);
            ServiceStatus down = new ServiceStatus(Services.DATA_AGENT, ServiceState.UNAVAILABLE, "process not answering",
                    Instant.now().minusSeconds(4), Map.of());
            long fanOuts = fanOuts();
            transitions.fire(new ServiceTransition(Services.DATA_AGENT, ready, down));
            // The hand-off to every socket is timed once per transition (observers run as the event is fired).
            assertThat(fanOuts()).isEqualTo(fanOuts + 1);
            await().atMost(WAIT).until(() -> !client.framesOfType("service_unavailable").isEmpty());
            JsonNode unavailable = client.framesOfType("service_unavailable").getFirst();
            assertThat(unavailable.path("data").path("service").asText()).isEqualTo("data-agent");
            assertThat(unavailable.path("data").path("reason").asText()).isEqualTo("process not answering");
            assertThat(unavailable.path("data").path("impact").asText()).isNotBlank();
            assertThat(unavailable.path("data").path("alternatives").isArray()).isTrue();
            assertThat(unavailable.path("user_id").asText()).isEqualTo(user.userId());

            try (SocketClient late = connect(user)) {
                await().atMost(WAIT).until(() -> !late.framesOfType("service_unavailable").isEmpty());
            }

            ServiceStatus back = new ServiceStatus(Services.DATA_AGENT, ServiceState.READY, null, Instant.now(), Map.of());
            transitions.fire(new ServiceTransition(Services.DATA_AGENT, down, back));
            await().atMost(WAIT).until(() -> !client.framesOfType("service_ready").isEmpty());
            JsonNode readyEvent = client.framesOfType("service_ready").getFirst();
            assertThat(readyEvent.path("data").path("time_to_ready_ms").asLong()).isGreaterThanOrEqualTo(3_000);
            assertThat(readyEvent.path("data").path("previous_status").asText()).isEqualTo("unavailable");

            try (SocketClient after = connect(user)) {
                Event marker = deliverQueued(user, "req-after", 1);
                await().atMost(WAIT).until(() -> after.events().stream()
                        .anyMatch(e -> marker.eventId().equals(e.path("event_id").asText())));
                assertThat(after.framesOfType("service_unavailable")).isEmpty();
            }
        }
    }

    @Test
    void degradedCarriesTheComponentsThatAreDown() {
        TestUser user = user("u-degraded");
        try (SocketClient client = connect(user)) {
            ServiceStatus degraded = new ServiceStatus(Services.LLM_CASCADE, ServiceState.DEGRADED, "model small breaker open",
                    Instant.now(), Map.of("small", new ComponentStatus("open", null), "large", new ComponentStatus("closed", null),
                    "redis", ComponentStatus.down("Redis does not answer")));
            transitions.fire(new ServiceTransition(Services.LLM_CASCADE, status(Services.LLM_CASCADE, ServiceState.READY, null), degraded));
            await().atMost(WAIT).until(() -> !client.framesOfType("service_degraded").isEmpty());
            JsonNode data = client.framesOfType("service_degraded").getFirst().path("data");
            assertThat(data.path("reason").asText()).isEqualTo("model small breaker open");
            assertThat(data.path("components_down").toString()).contains("redis");
            assertThat(data.path("alternatives").size()).isPositive();
        } finally {
            transitions.fire(new ServiceTransition(Services.LLM_CASCADE, null, status(Services.LLM_CASCADE, ServiceState.READY, null)));
        }
    }

    @Test
    void requestQueuedReachesTheUsersSocketsWithPositionAndIsInTheirLog() {
        TestUser user = user("u-queued");
        try (SocketClient client = connect(user)) {
            queue.fire(new RequestQueued(user.userId(), "req-q", 3));
            queue.fire(new RequestQueued(user.userId(), "req-q", 1));
            await().atMost(WAIT).until(() -> client.framesOfType("request_queued").size() == 2);
            assertThat(client.framesOfType("request_queued")).extracting(f -> f.path("data").path("position").asInt())
                    .containsExactly(3, 1);
            assertThat(redis.stream(String.class).xlen(EventLogStore.LOG_PREFIX + user.userId())).isEqualTo(2);
        }
    }

    private Event deliverQueued(TestUser user, String requestId, int position) {
        Event event = new Event(EventType.REQUEST_QUEUED, null, requestId, user.userId(), Instant.now(), Services.GATEWAY,
                null, Map.of("position", position));
        return log.append(event).await().atMost(WAIT).event();
    }

    private static ServiceStatus status(String service, ServiceState state, String reason) {
        return new ServiceStatus(service, state, reason, Instant.now(), Map.of());
    }

    private static List<String[]> stream(List<String> types) {
        List<String[]> events = new ArrayList<>();
        for (String type : types) {
            String data = switch (type) {
                case "agent_thinking" -> "{\"model\":\"small\"}";
                case "tool_executing" -> "{\"tool\":\"metrics_query\"}";
                case "tool_completed" -> "{\"tool\":\"metrics_query\",\"summary\":\"3 series\"}";
                case "agent_completed" -> dev.verity.gateway.TestReceipts.signedCompletionOf("real answer");
                default -> "{}";
            };
            events.add(new String[] {type, data});
        }
        return events;
    }
}
