package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.local.Endpoints;
import dev.verity.local.ServiceProcess;
import dev.verity.local.TestUser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two gateway replicas over one Redis: a run started through one replica reaches
 * the user's socket on the other, in order, ending in one terminal event; a client that loses its
 * socket mid-run and resumes on the other replica ends up with every event exactly once; a failed
 * enterprise run ends on both replicas in the same single agent_failed, with one real ticket.
 * Needs the merged system: the agent logging run events (EventLog) and streaming them.
 */
class EventsAcrossGatewaysTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static VerityStack stack;
    private static ServiceProcess second;

    @BeforeAll
    static void start() throws IOException {
        stack = VerityStack.get();
        ServiceProcess first = stack.service(VerityStack.GATEWAY);
        Path root = ServiceProcess.repoRoot();
        second = new ServiceProcess("gateway-b", ServiceProcess.runnerOf(root, VerityStack.GATEWAY), Endpoints.freePort(),
                environmentOf(first), root.resolve("e2e/target/stack/logs/gateway-b.log"),
                List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")).start();
        second.awaitReady(Duration.ofMinutes(3));
    }

    @AfterAll
    static void stop() {
        if (second != null) {
            second.stop(Duration.ofSeconds(5));
        }
    }

    /**
     * The first gateway's configuration (PostgreSQL, Redis, JWT key, service URLs), read from its
     * process so the replica is configured exactly alike. ServiceProcess sets the port itself.
     */
    static Map<String, String> environmentOf(ServiceProcess process) throws IOException {
        Map<String, String> env = new HashMap<>();
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "environ"));
        for (String entry : new String(raw, StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                String name = entry.substring(0, eq);
                if ((name.startsWith("QUARKUS_") || name.startsWith("MP_JWT_") || name.startsWith("VERITY_"))
                        && !name.equals("QUARKUS_HTTP_PORT")) {
                    env.put(name, entry.substring(eq + 1));
                }
            }
        }
        assertThat(env).containsKeys("QUARKUS_REDIS_HOSTS", "MP_JWT_VERIFY_PUBLICKEY_LOCATION");
        return env;
    }

    @Test
    void aRunStartedOnOneReplicaReachesTheUsersSocketOnTheOther() {
        stack.provider().answers("small", "Your calls averaged 812 ms today.");
        TestUser user = TestUser.of("e2e-replicas", "org-e2e", "mid");
        String token = stack.tokens().mint(user);
        try (EventStream onA = EventStream.open(stack.gateway(), token);
             EventStream onB = EventStream.open(second.url(), token)) {
            // An answered resume proves each socket's subscription is live before the run starts.
            for (EventStream socket : List.of(onA, onB)) {
                socket.resume("0-0");
                await().atMost(WAIT).until(() -> !socket.ofType("resumed").isEmpty());
            }
            onA.run("How fast were my calls today?", "ref-replica");

            await().atMost(WAIT).until(() -> onA.frames.stream().anyMatch(f -> f.path("type").asText().startsWith("agent_")
                    && (f.path("type").asText().equals("agent_completed") || f.path("type").asText().equals("agent_failed"))));
            String requestId = onA.ofType("agent_started").getFirst().path("request_id").asText();
            await().atMost(WAIT).until(() -> EventStream.types(onB.ofRequest(requestId)).stream()
                    .anyMatch(t -> t.equals("agent_completed") || t.equals("agent_failed")));

            List<JsonNode> seenOnA = onA.ofRequest(requestId);
            List<JsonNode> seenOnB = onB.ofRequest(requestId);
            assertThat(EventStream.ids(seenOnB)).containsExactlyElementsOf(EventStream.ids(seenOnA)).doesNotHaveDuplicates();
            assertThat(EventStream.types(seenOnB).getFirst()).isEqualTo("agent_started");
            assertThat(EventStream.types(seenOnB).stream().filter(t -> t.equals("agent_completed") || t.equals("agent_failed")))
                    .hasSize(1);
            assertThat(seenOnA).allSatisfy(e -> assertThat(e.path("client_ref").asText()).isEqualTo("ref-replica"));
            assertThat(seenOnB).allSatisfy(e -> assertThat(e.has("client_ref")).isFalse());
            // Replica B checked the answer's receipt itself before its socket got it: no MAC, and it verifies.
            JsonNode completedOnB = seenOnB.stream().filter(e -> e.path("type").asText().equals("agent_completed"))
                    .findFirst().orElseThrow();
            assertThat(completedOnB.toString()).doesNotContain("receipt_mac");
            JsonNode provenance = completedOnB.path("data").path("provenance");
            try {
                dev.verity.contract.receipt.ReceiptVerifier.fromJwks(
                                Http.get(second.url() + "/.well-known/verity/receipt-keys", null).body())
                        .verifyAnswer(provenance.path("receipt").asText(), new dev.verity.contract.receipt.ReceivedAnswer(
                                requestId, provenance.path("model").asText(), provenance.path("provider_request_id").asText(),
                                provenance.path("degraded").asBoolean(), completedOnB.path("data").path("response").asText(),
                                null, List.of(), dev.verity.contract.receipt.Json.parse(provenance.path("attempts").toString())));
            } catch (dev.verity.contract.receipt.InvalidReceipt e) {
                throw new AssertionError("the answer relayed to replica B does not verify: " + e.getMessage(), e);
            }
        }
    }

    @Test
    void aFailedEnterpriseRunEndsOnBothReplicasInTheOneAgentFailedWithItsTicket() {
        stack.provider().failsWith("small", 500, "{\"error\":{\"message\":\"upstream exploded\"}}");
        stack.provider().failsWith("large", 500, "{\"error\":{\"message\":\"upstream exploded\"}}");
        // An organisation of its own: support incidents are per organisation, service and error type.
        TestUser user = TestUser.of("e2e-replicas-ent", "org-e2e-ent-" + java.util.UUID.randomUUID().toString().substring(0, 8),
                "enterprise");
        String token = stack.tokens().mint(user);
        try (EventStream onA = EventStream.open(stack.gateway(), token);
             EventStream onB = EventStream.open(second.url(), token)) {
            for (EventStream socket : List.of(onA, onB)) {
                socket.resume("0-0");
                await().atMost(WAIT).until(() -> !socket.ofType("resumed").isEmpty());
            }
            onA.run("How fast were my calls today?", "ref-replica-fails");
            await().atMost(WAIT).until(() -> !onA.ofType("agent_failed").isEmpty());
            String requestId = onA.ofType("agent_failed").getFirst().path("request_id").asText();
            await().atMost(WAIT).until(() -> EventStream.types(onB.ofRequest(requestId)).contains("agent_failed"));
            // A resume after the failure on each socket: its history holds nothing more of the run.
            String failedId = onA.ofType("agent_failed").getFirst().path("event_id").asText();
            for (EventStream socket : List.of(onA, onB)) {
                socket.resume(failedId);
                await().atMost(WAIT).until(() -> socket.ofType("resumed").size() == 2);
                assertThat(socket.ofType("resumed").getLast().path("replayed").asInt()).isZero();
            }

            JsonNode onReplicaA = onA.ofType("agent_failed").getFirst();
            JsonNode onReplicaB = onB.ofRequest(requestId).stream()
                    .filter(e -> e.path("type").asText().equals("agent_failed")).findFirst().orElseThrow();
            for (EventStream socket : List.of(onA, onB)) {
                assertThat(EventStream.types(socket.ofRequest(requestId)).stream().filter(t -> t.equals("agent_failed"))).hasSize(1);
            }
            assertThat(onReplicaB.path("event_id").asText()).isEqualTo(onReplicaA.path("event_id").asText());
            JsonNode handling = onReplicaA.path("data").path("problem").path("tier_handling");
            assertThat(handling.path("enterprise_escalation").asBoolean()).isTrue();
            assertThat(handling.path("escalation_reference").asText()).isEqualTo("ENT-" + requestId);
            String ticket = handling.path("support_ticket_id").asText();
            assertThat(onReplicaB.path("data").path("problem").path("tier_handling").path("support_ticket_id").asText())
                    .isEqualTo(ticket);
            // The ticket is real and the user's own, whichever replica is asked.
            Http.Reply stored = Http.get(second.url() + "/api/v1/tickets/" + ticket, token);
            assertThat(stored.status()).isEqualTo(200);
            assertThat(stored.json().path("request_ids").toString()).contains(requestId);
            assertThat(stored.json().path("state").asText()).isEqualTo("open");
        } finally {
            stack.provider().answers("small", "Your calls averaged 812 ms today.");
            stack.provider().answers("large", "Your calls averaged 812 ms today.");
        }
    }

    @Test
    void concurrentEnterpriseFailuresOnBothReplicasAreOneIncidentAndSupportHearsOnce() throws Exception {
        stack.provider().failsWith("small", 500, "{\"error\":{\"message\":\"upstream exploded\"}}");
        stack.provider().failsWith("large", 500, "{\"error\":{\"message\":\"upstream exploded\"}}");
        stack.provider().acceptsSupportNotifications();
        String org = "org-e2e-storm-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        List<String> tokens = new java.util.ArrayList<>();
        for (int u = 0; u < 4; u++) {
            tokens.add(stack.tokens().mint(TestUser.of("e2e-storm-" + u + "-" + org, org, "enterprise")));
        }
        int failures = 60;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(12);
        try {
            List<java.util.concurrent.Future<Http.Reply>> replies = new java.util.ArrayList<>();
            for (int i = 0; i < failures; i++) {
                String gateway = i % 2 == 0 ? stack.gateway() : second.url();
                String token = tokens.get(i % tokens.size());
                replies.add(pool.submit(() -> Http.post(gateway + "/v1/chat/completions", token,
                        "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")));
            }
            // One incident per (organisation, failing service, error_type): as the models fail, the cascade
            // answers llm_upstream_error and, once it reports itself unavailable, the gateway refuses with
            // service_unavailable; each kind is one incident, opened by exactly one request.
            Map<String, java.util.Set<String>> ticketsByKind = new HashMap<>();
            Map<String, Integer> openedByTicket = new HashMap<>();
            int unrecorded = 0;
            for (var reply : replies) {
                Http.Reply answer = reply.get(2, java.util.concurrent.TimeUnit.MINUTES);
                assertThat(answer.status()).as(answer.body()).isGreaterThanOrEqualTo(500);
                JsonNode problem = answer.json().path("problem");
                JsonNode handling = problem.path("tier_handling");
                String requestId = problem.path("error_context").path("request_id").asText();
                assertThat(handling.path("escalation_reference").asText()).isEqualTo("ENT-" + requestId);
                if (!handling.has("support_ticket_id")) {
                    // Honestly absent: the occurrence could not be recorded in time on a loaded machine.
                    assertThat(handling.has("incident")).isFalse();
                    unrecorded++;
                    continue;
                }
                String ticket = handling.path("support_ticket_id").asText();
                ticketsByKind.computeIfAbsent(problem.path("error_type").asText(), k -> new java.util.HashSet<>()).add(ticket);
                openedByTicket.merge(ticket, "opened".equals(handling.path("incident").asText()) ? 1 : 0, Integer::sum);
            }
            assertThat(unrecorded).as("most failures are counted").isLessThan(failures / 2);
            assertThat(ticketsByKind).allSatisfy((kind, tickets) -> assertThat(tickets).as(kind).hasSize(1));
            // At most one "opened" per incident (none when the request that opened it gave up waiting).
            assertThat(openedByTicket).allSatisfy((ticket, opened) -> assertThat(opened).as(ticket).isLessThanOrEqualTo(1));
            assertThat(stack.incidentsOf(org)).isEqualTo(openedByTicket.size());
            for (String ticket : openedByTicket.keySet()) {
                await().atMost(WAIT).until(() -> stack.supportTicketNotified(ticket));
            }
            long deliveries = stack.provider().supportNotifications().stream()
                    .filter(body -> body.contains("\"group\":\"" + org + "\"")).count();
            assertThat(deliveries).as("one webhook delivery per incident, not per failure").isEqualTo(openedByTicket.size());
        } finally {
            pool.shutdownNow();
            stack.provider().answers("small", "Your calls averaged 812 ms today.");
            stack.provider().answers("large", "Your calls averaged 812 ms today.");
        }
    }

    @Test
    void losingTheSocketMidRunAndResumingOnTheOtherReplicaGivesEveryEventOnce() {
        stack.provider().delays("small", 1500, "The cheapest model answered 92% of your calls.");
        TestUser user = TestUser.of("e2e-resume", "org-e2e", "mid");
        String token = stack.tokens().mint(user);
        EventStream onA = EventStream.open(stack.gateway(), token);
        onA.run("Which model answered most of my calls?", "ref-resume");
        await().atMost(WAIT).until(() -> !onA.ofType("agent_started").isEmpty());
        List<JsonNode> before = List.copyOf(onA.frames.stream().filter(f -> f.has("event_id")).toList());
        String requestId = before.getFirst().path("request_id").asText();
        onA.abort();

        try (EventStream onB = EventStream.open(second.url(), token, before.getLast().path("event_id").asText())) {
            await().atMost(WAIT).until(() -> EventStream.types(onB.ofRequest(requestId)).stream()
                    .anyMatch(t -> t.equals("agent_completed") || t.equals("agent_failed")));
            List<String> all = new java.util.ArrayList<>(EventStream.ids(before.stream()
                    .filter(f -> requestId.equals(f.path("request_id").asText())).toList()));
            all.addAll(EventStream.ids(onB.ofRequest(requestId)));
            assertThat(all).doesNotHaveDuplicates();
            assertThat(all).isSortedAccordingTo(EventsAcrossGatewaysTest::compareIds);
            List<String> types = EventStream.types(onB.ofRequest(requestId));
            assertThat(types.stream().filter(t -> t.equals("agent_completed") || t.equals("agent_failed"))).hasSize(1);
        } finally {
            stack.provider().answers("small", "Your calls averaged 812 ms today.");
        }
    }

    static int compareIds(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int byMillis = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return byMillis != 0 ? byMillis : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }
}
