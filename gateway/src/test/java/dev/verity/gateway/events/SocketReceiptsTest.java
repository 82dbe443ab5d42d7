package dev.verity.gateway.events;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.Services;
import dev.verity.contract.receipt.Json;
import dev.verity.contract.receipt.ReceiptVerifier;
import dev.verity.contract.receipt.ReceivedAnswer;
import dev.verity.gateway.TestReceipts;
import dev.verity.gateway.guard.RunEventCheck;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An {@code agent_completed} reaches a socket only when its receipt covers the answer, on every
 * way an event gets there: a run started on this socket, an event another replica logged (relayed
 * through Redis), and a resume replay. One changed byte withholds it as {@code authenticity_violation};
 * a delivered one has no {@code receipt_mac} and verifies with the published keys alone.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_ws_test"), @ResourceArg(name = "redis-db", value = "5")})
@WithTestResource(AgentStandIn.class)
class SocketReceiptsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** A real answer that sounds like a canned apology: models say this after a failed tool call. */
    private static final String APOLOGY = "I apologize, but I encountered an error calling the metrics tool; "
            + "from the data I have, p95 latency was 812 ms.";
    private static final String TAMPERED = APOLOGY.replace("812 ms", "813 ms");

    @TestHTTPResource("/ws/v1/events")
    URI endpoint;

    @Inject
    EventLogStore log;

    @Inject
    EventRelay relay;

    @Inject
    Subscribers subscribers;

    @Inject
    MeterRegistry registry;

    @Inject
    dev.verity.gateway.status.ServiceDirectory directory;

    @BeforeEach
    void relayIsListeningAndDownstreamsAreKnown() {
        await().atMost(WAIT).until(relay::isShared);
        AgentStandIn.awaitDownstreamsReady(directory, WAIT);
    }

    // --- a run started on this socket ---------------------------------------------------------

    @Test
    void aRealAnswerThatSoundsLikeAnApologyIsDeliveredWithoutItsMacAndVerifiesWithThePublishedKeys() throws Exception {
        TestUser user = user("u-rcpt-run");
        AgentStandIn.streams("rcpt-valid-run", user.userId(), List.of(
                new String[] {"agent_started", "{}"},
                new String[] {"agent_completed", TestReceipts.signedCompletionOf(APOLOGY)}));
        double before = violations();
        try (SocketClient client = connect(user)) {
            client.sendRun("rcpt-valid-run: how fast?", "ref-v");
            await().atMost(WAIT).until(() -> !client.framesOfType("agent_completed").isEmpty());

            JsonNode completed = client.framesOfType("agent_completed").getFirst();
            assertThat(completed.path("data").path("response").asText()).isEqualTo(APOLOGY);
            assertThat(completed.path("data").path("provenance").has("receipt_mac")).isFalse();
            assertThat(completed.toString()).doesNotContain("receipt_mac");
            verifiesWithThePublishedKeys(completed);
            assertThat(client.framesOfType("agent_failed")).isEmpty();
        }
        assertThat(violations()).isEqualTo(before);
    }

    @Test
    void aRunWhoseAnswerWasChangedByOneByteEndsInOneAuthenticityViolationAndIsCounted() {
        TestUser user = user("u-rcpt-tampered");
        AgentStandIn.streams("rcpt-tampered-run", user.userId(), List.of(
                new String[] {"agent_started", "{}"},
                new String[] {"agent_completed", TestReceipts.signedCompletionOf(APOLOGY).replace("812 ms", "813 ms")}));
        double before = violations();
        try (SocketClient client = connect(user)) {
            client.sendRun("rcpt-tampered-run: how fast?", "ref-t");
            await().atMost(WAIT).until(() -> !client.framesOfType("agent_failed").isEmpty());

            assertWithheld(client.framesOfType("agent_failed").getFirst());
            assertThat(client.framesOfType("agent_failed").getFirst().path("client_ref").asText()).isEqualTo("ref-t");
            assertThat(client.types(client.events())).containsExactly("agent_started", "agent_failed");
            assertThat(client.frames.toString()).doesNotContain("813 ms", "receipt");
        }
        assertThat(violations()).isEqualTo(before + 1);
    }

    @Test
    void aRunWhoseAnswerHasNoReceiptIsWithheld() {
        TestUser user = user("u-rcpt-none");
        AgentStandIn.streams("rcpt-unsigned-run", user.userId(), List.of(
                new String[] {"agent_started", "{}"},
                new String[] {"agent_completed", "{\"response\":\"Costs fell.\",\"provenance\":" + TestReceipts.PROVENANCE + "}"}));
        double before = violations();
        try (SocketClient client = connect(user)) {
            client.sendRun("rcpt-unsigned-run: costs?", "ref-n");
            await().atMost(WAIT).until(() -> !client.framesOfType("agent_failed").isEmpty());
            assertWithheld(client.framesOfType("agent_failed").getFirst());
            assertThat(client.framesOfType("agent_completed")).isEmpty();
        }
        assertThat(violations()).isEqualTo(before + 1);
    }

    // --- relayed from another replica through Redis -------------------------------------------

    @Test
    void anAnswerLoggedElsewhereIsCheckedOnTheReplicaWhoseSocketGetsIt() throws Exception {
        TestUser user = user("u-rcpt-relay");
        try (SocketClient client = connect(user)) {
            Event good = logAsAgent(user, "req-" + UUID.randomUUID(), TestReceipts.signedCompletionData(APOLOGY));
            await().atMost(WAIT).until(() -> !client.framesOfType("agent_completed").isEmpty());
            JsonNode completed = client.framesOfType("agent_completed").getFirst();
            assertThat(completed.path("event_id").asText()).isEqualTo(good.eventId());
            assertThat(completed.toString()).doesNotContain("receipt_mac");
            verifiesWithThePublishedKeys(completed);

            double before = violations();
            Event bad = logAsAgent(user, "req-" + UUID.randomUUID(), tampered());
            await().atMost(WAIT).until(() -> !client.framesOfType("agent_failed").isEmpty());
            JsonNode failed = client.framesOfType("agent_failed").getFirst();
            assertWithheld(failed);
            // Under the logged event's own id, so every path and every replay ends this run the same way.
            assertThat(failed.path("event_id").asText()).isEqualTo(bad.eventId());
            assertThat(failed.path("request_id").asText()).isEqualTo(bad.requestId());
            assertThat(client.framesOfType("agent_completed")).hasSize(1);
            assertThat(violations()).isEqualTo(before + 1);
        }
    }

    // --- replayed on resume -------------------------------------------------------------------

    @Test
    void aResumeReplaysAVerifiedAnswerWithoutItsMacAndWithholdsAChangedOneCountingItOnce() throws Exception {
        TestUser user = user("u-rcpt-replay");
        Event marker = logAsAgent(user, "req-" + UUID.randomUUID(), EventType.AGENT_STARTED, Map.of());
        Event good = logAsAgent(user, "req-" + UUID.randomUUID(), TestReceipts.signedCompletionData(APOLOGY));
        double before = violations();
        Event bad = logAsAgent(user, "req-" + UUID.randomUUID(), tampered());

        try (SocketClient client = SocketClient.connect(URI.create(endpoint + "?after=" + marker.eventId()), token(user))) {
            await().atMost(WAIT).until(() -> !client.framesOfType("resumed").isEmpty());
            assertThat(client.events()).extracting(e -> e.path("event_id").asText())
                    .containsExactly(good.eventId(), bad.eventId());
            assertThat(client.types(client.events())).containsExactly("agent_completed", "agent_failed");
            verifiesWithThePublishedKeys(client.framesOfType("agent_completed").getFirst());
            assertWithheld(client.framesOfType("agent_failed").getFirst());
            assertThat(client.frames.toString()).doesNotContain("receipt_mac", "813 ms");
            assertThat(violations()).isEqualTo(before + 1);

            // Replayed again: the same withheld event, the same id, still one violation.
            client.sendResume(marker.eventId());
            await().atMost(WAIT).until(() -> client.framesOfType("resumed").size() == 2);
            assertThat(client.framesOfType("agent_failed")).hasSize(1);
            assertThat(violations()).isEqualTo(before + 1);
        }
    }

    // --- helpers ------------------------------------------------------------------------------

    private static Map<String, Object> tampered() {
        Map<String, Object> data = new LinkedHashMap<>(TestReceipts.signedCompletionData(APOLOGY));
        data.put("response", TAMPERED);
        return data;
    }

    private static void assertWithheld(JsonNode failed) {
        JsonNode problem = failed.path("data").path("problem");
        assertThat(problem.path("error_type").asText()).isEqualTo("authenticity_violation");
        assertThat(problem.path("status").asInt()).isEqualTo(500);
        assertThat(failed.path("service").asText()).isEqualTo(Services.GATEWAY);
        assertThat(failed.path("data").has("response")).isFalse();
        // Why it failed is in the gateway's log, never in front of the user.
        assertThat(problem.toString()).doesNotContain("content_sha256", "differs", "MAC");
    }

    private static void verifiesWithThePublishedKeys(JsonNode completed) throws Exception {
        String jwks = given().when().get("/.well-known/verity/receipt-keys").then().statusCode(200).extract().asString();
        JsonNode provenance = completed.path("data").path("provenance");
        Map<String, Object> claims = ReceiptVerifier.fromJwks(jwks).verifyAnswer(provenance.path("receipt").asText(),
                new ReceivedAnswer(null, provenance.path("model").asText(), provenance.path("provider_request_id").asText(),
                        provenance.path("degraded").asBoolean(), completed.path("data").path("response").asText(), null,
                        List.of(), Json.parse(provenance.path("attempts").toString())));
        assertThat(claims).containsEntry("iss", "llm-cascade").containsEntry("model", "small");
    }

    private double violations() {
        Counter counter = registry.find("verity.authenticity.violations").tag("route", RunEventCheck.ROUTE_TAG).counter();
        return counter == null ? 0 : counter.count();
    }

    private Event logAsAgent(TestUser user, String requestId, Map<String, Object> data) {
        return logAsAgent(user, requestId, EventType.AGENT_COMPLETED, data);
    }

    /** An event as an execution agent on any replica logs it: XADD + PUBLISH on the user's channel. */
    private Event logAsAgent(TestUser user, String requestId, EventType type, Map<String, Object> data) {
        Event event = new Event(type, null, requestId, user.userId(), Instant.now(), Services.EXECUTION_AGENT, null, data);
        return log.append(event).await().atMost(WAIT).event();
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
}
