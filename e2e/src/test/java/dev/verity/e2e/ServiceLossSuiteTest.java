package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.local.ServiceProcess;
import dev.verity.local.TestUser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Suite 5 of the test plan: a service dies under load (SIGKILL). Every in-flight request ends
 * within its deadline with a real answer or a clean problem, nothing hangs, status and events say
 * what happened, and after a restart everything recovers without intervention. Covered: the
 * cascade, the execution agent, the data agent (data requests and runs whose tool calls it serves)
 * and the gateway itself (clients see broken connections, sockets resume with {@code ?after=}).
 */
class ServiceLossSuiteTest {

    private static final String ANSWER = "Three models served your traffic today.";
    private static final String TOOL_ANSWER = "Here is what the metrics tool returned for that hour.";
    private static final String WINDOW = "\"from\":\"2026-11-24T10:00:00Z\",\"to\":\"2026-11-24T11:00:00Z\",\"bucket\":\"PT1H\"";
    private static final String METRICS = "{\"metrics\":[\"tokens\",\"latency_ms\"]," + WINDOW + "}";
    private static final List<String> SERVICES = List.of("llm-cascade", "execution-agent", "data-agent");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static VerityStack stack;
    private static String token;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
        token = Users.token(Users.of("early", "org-loss"));
    }

    @BeforeEach
    void healthyProvider() {
        stack.provider().reset();
        stack.provider().answers("small", ANSWER);
    }

    private static String statusOf(String service) {
        return Http.get(stack.gateway() + "/api/v1/status", null).json()
                .path("services").path(service).path("status").asText();
    }

    /** Waits until the gateway sees every downstream ready, so a socket opened now gets only new transitions. */
    private static void awaitAllReady() {
        await().atMost(Duration.ofSeconds(30)).until(() -> SERVICES.stream().allMatch(s -> "ready".equals(statusOf(s))));
    }

    private static Http.Reply chat() {
        return Http.post(stack.gateway() + "/api/v1/chat", token, "{\"message\":\"Which models served me?\"}",
                Http.deadlineIn(Duration.ofSeconds(10)));
    }

    @Test
    void aDeadCascadeIsReportedAndRefusedAtOnceThenRecoversAfterRestart() {
        ServiceProcess cascade = stack.service(VerityStack.CASCADE);
        cascade.kill();
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> "unavailable".equals(statusOf("llm-cascade")));
            int before = stack.provider().requestsTo("small");

            Http.Reply refused = chat();

            assertThat(refused.status()).as(refused.body()).isEqualTo(503);
            assertThat(refused.json().path("error_type").asText()).isEqualTo("service_unavailable");
            assertThat(refused.header("Retry-After")).isNotBlank();
            assertThat(stack.provider().requestsTo("small")).isEqualTo(before);
        } finally {
            cascade.start().awaitReady(Duration.ofMinutes(2));
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Http.Reply answered = chat();
            assertThat(answered.status()).as(answered.body()).isEqualTo(200);
            assertThat(answered.json().path("response").asText()).isEqualTo(ANSWER);
        });
        assertThat(statusOf("llm-cascade")).isIn("ready", "degraded");
    }

    @Test
    void inFlightRunsEndWithinTheirDeadlineWhenTheAgentDies() throws Exception {
        stack.provider().delays("small", 1_500, ANSWER);
        ServiceProcess agent = stack.service(VerityStack.AGENT);
        List<CompletableFuture<Http.Reply>> inFlight = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            inFlight.add(CompletableFuture.supplyAsync(ServiceLossSuiteTest::chat));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> stack.provider().requestsTo("small") > 0);
        agent.kill();
        try {
            for (CompletableFuture<Http.Reply> request : inFlight) {
                Http.Reply reply = request.get(15, TimeUnit.SECONDS);
                // Either the agent answered before it died, or the user got a clean problem.
                if (reply.status() == 200) {
                    assertThat(reply.json().path("response").asText()).isEqualTo(ANSWER);
                } else {
                    assertThat(reply.json().path("error_type").asText())
                            .isIn("service_unavailable", "agent_timeout", "overloaded");
                }
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        } finally {
            agent.start().awaitReady(Duration.ofMinutes(2));
        }
        stack.provider().answers("small", ANSWER);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(chat().status()).isEqualTo(200));
    }

    private static Http.Reply metrics(String token) {
        return Http.post(stack.gateway() + "/api/v1/metrics/query", token, METRICS,
                Http.deadlineIn(Duration.ofSeconds(5)), Duration.ofSeconds(8));
    }

    /** An agent run through the gateway under a request id of our own, answered within its deadline or failing the test. */
    private static CompletableFuture<Http.Reply> run(String token, String requestId) {
        Map<String, String> headers = new java.util.HashMap<>(Http.deadlineIn(Duration.ofSeconds(15)));
        headers.put("X-Request-Id", requestId);
        return CompletableFuture.supplyAsync(() -> Http.post(stack.gateway() + "/api/v1/chat", token,
                "{\"message\":\"What were my tokens and latency on Nov 24 between 10 and 11 UTC?\"}", headers,
                Duration.ofSeconds(20)));
    }

    /** What each run's follow-up model call was told by the tool: the real rows or the real failure. */
    private static List<JsonNode> toolMessagesSentToTheModel() throws IOException {
        List<JsonNode> told = new ArrayList<>();
        for (String body : stack.provider().requestBodies("small")) {
            for (JsonNode message : JSON.readTree(body).path("messages")) {
                if ("tool".equals(message.path("role").asText())) {
                    told.add(JSON.readTree(message.path("content").asText()));
                }
            }
        }
        return told;
    }

    @Test
    void inFlightDataRequestsAndToolRunsEndCleanlyWhenTheDataAgentDiesAndRecoverAfterARestart() throws Exception {
        String dataToken = Users.token(Users.of("early", "org-loss-data"));
        Http.Reply seeded = Http.post(stack.gateway() + "/api/v1/usage", dataToken, """
                {"calls":[
                 {"id":"%1$s-1","request_id":"r1","model":"small","provider":"openai-compatible","prompt_tokens":10,"completion_tokens":5,"cost_usd":0.000004,"latency_ms":300,"outcome":"success","created_at":"2026-11-24T10:05:00Z"},
                 {"id":"%1$s-2","request_id":"r2","model":"small","provider":"openai-compatible","prompt_tokens":20,"completion_tokens":5,"cost_usd":0.000005,"latency_ms":500,"outcome":"success","created_at":"2026-11-24T10:20:00Z"}
                ]}""".formatted(UUID.randomUUID()));
        assertThat(seeded.status()).as(seeded.body()).isEqualTo(201);
        Http.Reply healthy = metrics(dataToken);
        assertThat(healthy.status()).as(healthy.body()).isEqualTo(200);
        JsonNode realSeries = healthy.json().path("series");
        stack.provider().callsToolOnEveryRun("small", "query_metrics", "{\"metrics\":[\"tokens\",\"latency_ms\"]," + WINDOW + "}",
                1_500, TOOL_ANSWER);
        awaitAllReady();
        ServiceProcess data = stack.service(VerityStack.DATA);

        try (EventStream socket = EventStream.open(stack.gateway(), dataToken)) {
            List<String> runIds = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString());
            List<CompletableFuture<Http.Reply>> runs = runIds.stream().map(id -> run(dataToken, id)).toList();
            // Data load: a few clients query metrics back to back until the outage has been noticed.
            AtomicBoolean stop = new AtomicBoolean();
            Queue<Http.Reply> dataReplies = new ConcurrentLinkedQueue<>();
            List<CompletableFuture<Void>> clients = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                clients.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 200 && !stop.get(); i++) {
                        dataReplies.add(metrics(dataToken));
                    }
                }));
            }
            // Every run is waiting for the model's tool call when the data agent dies.
            await().atMost(Duration.ofSeconds(10)).until(() -> stack.provider().requestsTo("small") >= runIds.size()
                    && dataReplies.stream().anyMatch(r -> r.status() == 200));
            data.kill();
            try {
                await().atMost(Duration.ofSeconds(15)).until(() -> "unavailable".equals(statusOf("data-agent")));
                await().atMost(Duration.ofSeconds(15)).until(() -> socket.announced("service_unavailable", "data-agent"));
                // Requests after the outage is known are refused at once: let every client see at least one.
                int seen = dataReplies.size();
                await().atMost(Duration.ofSeconds(15)).until(() -> dataReplies.size() >= seen + 3);
                stop.set(true);
                for (CompletableFuture<Void> client : clients) {
                    client.get(30, TimeUnit.SECONDS);
                }

                assertThat(dataReplies).allSatisfy(reply -> {
                    if (reply.status() == 200) {
                        assertThat(reply.json().path("source").path("kind").asText()).isEqualTo("primary");
                        assertThat(reply.json().path("series")).isEqualTo(realSeries);
                    } else {
                        assertThat(reply.status()).as(reply.body()).isEqualTo(503);
                        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
                        assertThat(reply.json().path("error_type").asText()).isIn("service_unavailable", "data_unavailable");
                        assertThat(reply.json().has("series")).isFalse();
                        assertThat(reply.header("Retry-After")).isNotBlank();
                    }
                });
                assertThat(dataReplies).anyMatch(reply -> reply.status() == 503);
                for (CompletableFuture<Http.Reply> run : runs) {
                    Http.Reply reply = run.get(30, TimeUnit.SECONDS);
                    if (reply.status() == 200) {
                        assertThat(reply.json().path("response").asText()).isEqualTo(TOOL_ANSWER);
                        assertThat(reply.json().path("provenance").path("model").asText()).isEqualTo("small");
                    } else {
                        assertThat(reply.json().path("error_type").asText()).as(reply.body())
                                .isIn("tool_failed", "service_unavailable", "data_unavailable");
                    }
                }
                // The model was told the real failure (or the real rows, had the tool run before the kill): never invented figures.
                List<JsonNode> told = toolMessagesSentToTheModel();
                assertThat(told).isNotEmpty().allSatisfy(content -> {
                    if (content.has("error")) {
                        assertThat(content.path("error").path("failed").asBoolean()).isTrue();
                        assertThat(content.path("error").path("error_type").asText()).isIn("service_unavailable", "data_unavailable");
                    } else {
                        assertThat(content.path("series")).isEqualTo(realSeries);
                    }
                });
                for (String id : runIds) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> !socket.terminalsOf(id).isEmpty());
                    assertThat(socket.terminalsOf(id)).as("terminal events of run %s", id).hasSize(1);
                }
            } finally {
                stop.set(true);
                data.start().awaitReady(Duration.ofMinutes(2));
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> socket.announced("service_ready", "data-agent"));
            await().atMost(Duration.ofSeconds(30)).until(() -> "ready".equals(statusOf("data-agent")));
            Http.Reply recovered = metrics(dataToken);
            assertThat(recovered.status()).as(recovered.body()).isEqualTo(200);
            assertThat(recovered.json().path("series")).isEqualTo(realSeries);
            stack.provider().reset();
            stack.provider().callsToolOnEveryRun("small", "query_metrics", "{\"metrics\":[\"tokens\",\"latency_ms\"]," + WINDOW + "}",
                    0, TOOL_ANSWER);
            Http.Reply answered = run(dataToken, UUID.randomUUID().toString()).get(30, TimeUnit.SECONDS);
            assertThat(answered.status()).as(answered.body()).isEqualTo(200);
            assertThat(toolMessagesSentToTheModel()).singleElement()
                    .satisfies(content -> assertThat(content.path("series")).isEqualTo(realSeries));
        }
    }

    @Test
    void aDeadGatewayGivesConnectionErrorsNotHangsAndSocketsResumeAfterTheRestartWithoutDuplicates() throws Exception {
        TestUser user = Users.of("mid", "org-loss-gateway");
        String userToken = Users.token(user);
        // Below the model timeout (2 s), so the runs in flight can finish after the gateway is gone.
        stack.provider().delays("small", 1_500, ANSWER);
        awaitAllReady();
        ServiceProcess gateway = stack.service(VerityStack.GATEWAY);
        EventStream first = EventStream.open(stack.gateway(), userToken);
        String whileDown;
        List<String> inFlightRuns;
        try {
            first.run("Which models served me?", "ref-loss-1");
            first.run("Which models served me today?", "ref-loss-2");
            List<CompletableFuture<Http.Reply>> httpRuns =
                    List.of(run(userToken, UUID.randomUUID().toString()), run(userToken, UUID.randomUUID().toString()));
            // Four runs (two over the socket, two over HTTP) are waiting for the model when the gateway dies.
            await().atMost(Duration.ofSeconds(10)).until(() -> first.ofType("agent_started").size() >= 4
                    && stack.provider().requestsTo("small") >= 4);

            inFlightRuns = first.ofType("agent_started").stream().map(e -> e.path("request_id").asText()).toList();
            gateway.kill();

            // Every client of the dead gateway learns it at once: a broken connection, not a hang.
            for (CompletableFuture<Http.Reply> run : httpRuns) {
                assertThatConnectionBroke(run);
            }
            assertThatConnectionBroke(CompletableFuture.supplyAsync(() -> Http.get(stack.gateway() + "/api/v1/status", null)));
            await().atMost(Duration.ofSeconds(10)).until(first::ended);

            // The rest of the system goes on without the gateway: a run straight on the agent is logged for the user.
            stack.provider().answers("small", ANSWER);
            Http.Reply direct = Http.post(stack.service(VerityStack.AGENT).url() + "/v1/runs", userToken,
                    "{\"message\":\"Which models served me while you were away?\"}");
            assertThat(direct.status()).as(direct.body()).isEqualTo(200);
            whileDown = direct.json().path("request_id").asText();
        } finally {
            first.abort();
            gateway.start().awaitReady(Duration.ofMinutes(2));
        }
        awaitAllReady();
        List<JsonNode> before = first.frames.stream().filter(f -> f.hasNonNull("event_id")).toList();

        try (EventStream resumed = EventStream.open(stack.gateway(), userToken, first.lastEventId())) {
            // What happened while the gateway was down is replayed from the user's log on the new connection.
            await().atMost(Duration.ofSeconds(30)).until(() -> !resumed.terminalsOf(whileDown).isEmpty());
            assertThat(EventStream.steps(resumed.ofRequest(whileDown)))
                    .containsExactly("agent_started", "agent_thinking", "agent_completed");
            // The runs in flight when the gateway died belong to the user, not to the dead connection:
            // they finished in the agent, and each one's single terminal event is in the user's log.
            for (String inFlight : inFlightRuns) {
                await().atMost(Duration.ofSeconds(30)).until(() -> first.terminalsOf(inFlight).size()
                        + resumed.terminalsOf(inFlight).size() == 1);
                List<JsonNode> terminal = new ArrayList<>(first.terminalsOf(inFlight));
                terminal.addAll(resumed.terminalsOf(inFlight));
                assertThat(terminal.getFirst().path("type").asText()).as(terminal.getFirst().toString()).isEqualTo("agent_completed");
                assertThat(terminal.getFirst().path("data").path("response").asText()).isEqualTo(ANSWER);
            }
            resumed.run("Are you back?", "ref-loss-after");
            await().atMost(Duration.ofSeconds(30)).until(() -> resumed.ofType("agent_started").stream()
                    .anyMatch(e -> "ref-loss-after".equals(e.path("client_ref").asText())));
            String afterId = resumed.ofType("agent_started").stream()
                    .filter(e -> "ref-loss-after".equals(e.path("client_ref").asText()))
                    .findFirst().orElseThrow().path("request_id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> !resumed.terminalsOf(afterId).isEmpty());

            List<String> all = new ArrayList<>(EventStream.ids(before));
            all.addAll(EventStream.ids(resumed.frames.stream().filter(f -> f.hasNonNull("event_id")).toList()));
            assertThat(all).as("events before the outage and after the resume").doesNotHaveDuplicates();
            assertThat(resumed.terminalsOf(afterId)).hasSize(1);
            assertThat(resumed.terminalsOf(afterId).getFirst().path("type").asText()).isEqualTo("agent_completed");
        }
    }

    /** The request ended with a connection error (not a timeout, not an answer) well within its deadline. */
    private static void assertThatConnectionBroke(CompletableFuture<Http.Reply> request) throws InterruptedException {
        try {
            Http.Reply reply = request.get(10, TimeUnit.SECONDS);
            throw new AssertionError("the dead gateway answered " + reply.status() + ": " + reply.body());
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(UncheckedIOException.class);
            assertThat(e.getCause().getCause()).isInstanceOf(IOException.class).isNotInstanceOf(HttpTimeoutException.class);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("a request to the dead gateway hung", e);
        }
    }
}
