package dev.verity.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.agent.client.CallContext;
import dev.verity.agent.events.EventLog;
import dev.verity.agent.run.RunContext;
import dev.verity.agent.run.RunRequest;
import dev.verity.agent.run.RunService;
import dev.verity.agent.support.CascadeStandIn;
import dev.verity.agent.support.CascadeStandIn.Stage;
import dev.verity.agent.support.DataAgentStandIn;
import dev.verity.agent.support.DownstreamsTestResource;
import dev.verity.agent.support.Json;
import dev.verity.agent.support.Runs;
import dev.verity.agent.support.Sse;
import dev.verity.agent.support.StandIns;
import dev.verity.contract.Event;
import dev.verity.contract.Headers;
import dev.verity.contract.Tier;
import dev.verity.contract.UserContext;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A run belongs to its user, not to the connection that started it: when the caller
 * leaves mid-run (the gateway that relayed it went away), the run still goes on to its own end,
 * and the user's event log holds every event and exactly one terminal event, so a user who
 * resumes learns how it ended. Only the deadline stops it, and then the cascade stream is closed.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_agent_test"), @ResourceArg(name = "redis-db", value = "3")})
@WithTestResource(DownstreamsTestResource.class)
class RunOutlivesCallerTest {

    private static final String QUESTION = "How fast were my calls today?";
    /** The tool's answer arrives this late: long after the caller has left. */
    private static final Duration TOOL_DELAY = Duration.ofSeconds(2);

    @Inject
    RedisDataSource redis;
    @Inject
    RunService runs;

    private final CascadeStandIn cascade = StandIns.get().cascade();
    private final DataAgentStandIn data = StandIns.get().dataAgent();
    private TestUser user;
    private String token;

    @BeforeEach
    void reset() {
        StandIns.get().reset();
        // A user of its own per test, so the event log holds exactly this test's run.
        user = TestUser.of("u-leaves-" + UUID.randomUUID(), "org-a", "mid");
        token = TestInfra.get().tokens().mint(user);
    }

    @Test
    void theCallerLeavingWhileTheAnswerStreamsDoesNotStopTheRun() {
        cascade.answersTextPausingAfter("Your p95 latency today was", " 812 ms.", "large");
        AssertSubscriber<Event> caller = runs.run(new RunRequest(QUESTION, null, true), context(Instant.now().plusSeconds(30)))
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        await().atMost(Duration.ofSeconds(10)).until(() -> caller.getItems().stream()
                .anyMatch(event -> event.data().containsKey("delta")));

        // The caller leaves while the model's answer is half streamed; only then does the rest arrive.
        caller.cancel();
        assertThat(cascade.pausedStreams()).isEqualTo(1);
        cascade.resumeStreams();

        List<JsonNode> logged = awaitEnded();
        assertThat(Sse.types(Sse.steps(logged))).containsExactly("agent_started", "agent_thinking", "agent_completed");
        JsonNode completed = logged.get(logged.size() - 1);
        assertThat(completed.path("data").path("response").asText()).isEqualTo("Your p95 latency today was 812 ms.");
        assertThat(completed.path("data").path("provenance").path("model").asText()).isEqualTo("large");
        assertThat(text(Sse.deltas(logged))).isEqualTo("Your p95 latency today was 812 ms.");
        assertThat(caller.getItems()).noneMatch(event -> event.type().isTerminal());
        assertThat(cascade.chatRequestCount()).isEqualTo(1);
    }

    @Test
    void theCallerLeavingDuringAToolCallDoesNotStopTheRun() throws Exception {
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_1", "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        data.answersMetricsAfter(TOOL_DELAY);
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, null, "No calls were recorded today.", "large", false);

        leaveAfter("\"tool_executing\"", null);

        List<JsonNode> logged = awaitEnded();
        assertThat(Sse.types(Sse.steps(logged))).containsExactly("agent_started", "agent_thinking",
                "tool_executing", "tool_completed", "agent_thinking", "agent_completed");
        JsonNode completed = logged.get(logged.size() - 1);
        assertThat(completed.path("data").path("response").asText()).isEqualTo("No calls were recorded today.");
        assertThat(completed.path("data").path("provenance").path("model").asText()).isEqualTo("large");
        assertThat(data.toolRequests()).hasSize(1);
        assertThat(text(Sse.deltas(logged))).isEqualTo("No calls were recorded today.");
        assertThat(cascade.chatRequestCount()).isEqualTo(2);
    }

    @Test
    void aCallerWaitingForTheJsonOutcomeThatLeavesDoesNotStopTheRun() {
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_1", "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        data.answersMetricsAfter(TOOL_DELAY);
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, null, "No calls were recorded today.", "large", false);

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        client.sendAsync(request(false, null).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> data.toolRequests().size() == 1);
        // The caller gives up while the tool is still working: its connection is closed.
        client.shutdownNow();
        client.close();

        List<JsonNode> logged = awaitEnded();
        assertThat(Sse.types(Sse.steps(logged))).containsExactly("agent_started", "agent_thinking",
                "tool_executing", "tool_completed", "agent_thinking", "agent_completed");
        assertThat(logged.get(logged.size() - 1).path("data").path("response").asText())
                .isEqualTo("No calls were recorded today.");
    }

    @Test
    void aRunWhoseCallerLeftEndsAtItsDeadlineWithTimeoutLoggedAndTheCascadeStreamClosed() throws Exception {
        cascade.streamsThenHolds("Your p95 latency today was", "large");

        leaveAfter("\"delta\"", Instant.now().plusSeconds(3));

        List<JsonNode> logged = awaitEnded();
        assertThat(Sse.types(Sse.steps(logged))).containsExactly("agent_started", "agent_thinking", "agent_failed");
        assertThat(logged.get(logged.size() - 1).path("data").path("problem").path("error_type").asText())
                .isEqualTo("agent_timeout");
        assertThat(text(Sse.deltas(logged))).isEqualTo("Your p95 latency today was");
        // Nothing outlives the deadline: the agent closed its connection to the cascade.
        await().atMost(Duration.ofSeconds(20)).until(() -> cascade.heldStreamsLeft() == 1);
    }

    @Test
    void aFailureTheCallerWouldHaveLoggedIsLoggedByTheAgentOnceTheCallerLeft() throws Exception {
        cascade.streamsThenHolds("Your p95 latency today was", "large");

        // The gateway asks to log agent_failed itself (after adding tier handling), then goes away.
        leaveAfter("\"delta\"", Instant.now().plusSeconds(3), true);

        List<JsonNode> logged = awaitEnded();
        assertThat(Sse.types(Sse.steps(logged))).containsExactly("agent_started", "agent_thinking", "agent_failed");
        assertThat(logged.get(logged.size() - 1).path("data").path("problem").path("error_type").asText())
                .isEqualTo("agent_timeout");
    }

    private void leaveAfter(String marker, Instant deadline) throws Exception {
        leaveAfter(marker, deadline, false);
    }

    /** Starts a streaming run over HTTP, reads until a line containing {@code marker}, then closes the connection. */
    private void leaveAfter(String marker, Instant deadline, boolean callerLogsFailure) throws Exception {
        HttpRequest.Builder request = request(true, deadline);
        if (callerLogsFailure) {
            request.header(Headers.FAILURE_EVENT, Headers.FAILURE_EVENT_BY_CALLER);
        }
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<Stream<String>> response = client.send(request.build(), HttpResponse.BodyHandlers.ofLines());
            try (Stream<String> lines = response.body()) {
                Iterator<String> events = lines.iterator();
                boolean seen = false;
                while (!seen && events.hasNext()) {
                    String line = events.next();
                    assertThat(line).doesNotContain("agent_completed").doesNotContain("agent_failed");
                    seen = line.contains(marker);
                }
                assertThat(seen).as("the run was at %s when the caller left", marker).isTrue();
            }
            client.shutdownNow();
        }
    }

    private HttpRequest.Builder request(boolean stream, Instant deadline) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v1/runs"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Runs.body(QUESTION, stream)));
        if (deadline != null) {
            request.header(Headers.REQUEST_DEADLINE, String.valueOf(deadline.toEpochMilli()));
        }
        return request;
    }

    /**
     * The user's event log once the run has ended: exactly one terminal event, and it is the last.
     * The tests also compare the steps and the streamed text exactly, so no event was logged twice.
     */
    private List<JsonNode> awaitEnded() {
        await().atMost(Duration.ofSeconds(15)).until(() -> logged().stream()
                .anyMatch(event -> event.path("type").asText().matches("agent_completed|agent_failed")));
        List<JsonNode> logged = logged();
        assertThat(Sse.types(logged).stream().filter(type -> type.matches("agent_completed|agent_failed")))
                .hasSize(1);
        assertThat(Sse.types(logged).get(logged.size() - 1)).matches("agent_completed|agent_failed");
        return logged;
    }

    private List<JsonNode> logged() {
        return redis.stream(String.class).xrange(EventLog.LOG_PREFIX + user.userId(), StreamRange.of("-", "+"))
                .stream().map(message -> Json.read(message.payload().get(EventLog.FIELD))).toList();
    }

    private RunContext context(Instant deadline) {
        UserContext caller = new UserContext(user.userId(), user.orgId(), Tier.MID, user.email(), null);
        return new RunContext(caller, new CallContext(token, "req-leaves-" + UUID.randomUUID(), deadline));
    }

    private static String text(List<JsonNode> deltas) {
        return deltas.stream().map(delta -> delta.path("data").path("delta").asText()).collect(Collectors.joining());
    }
}
