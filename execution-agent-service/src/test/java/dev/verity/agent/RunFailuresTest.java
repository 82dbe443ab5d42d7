package dev.verity.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.agent.support.CascadeStandIn;
import dev.verity.agent.support.CascadeStandIn.Stage;
import dev.verity.agent.support.DataAgentStandIn;
import dev.verity.agent.support.DownstreamsTestResource;
import dev.verity.agent.support.Json;
import dev.verity.agent.support.Runs;
import dev.verity.agent.support.Sse;
import dev.verity.agent.support.StandIns;
import dev.verity.contract.DataSource;
import dev.verity.contract.ErrorType;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When something breaks, the run says so: the cascade's problem passed through, a tool's real
 * failure given to the model, the deadline and the step limit ending the run with agent_timeout.
 * Never a made-up answer.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_agent_test"), @ResourceArg(name = "redis-db", value = "3")})
@WithTestResource(DownstreamsTestResource.class)
class RunFailuresTest {

    private static final TestUser ALICE = TestUser.of("u-alice", "org-a", "mid");
    private static final String QUESTION = "How fast were my calls today?";
    /** Far beyond any deadline in these tests: a stand-in this slow is one that never answers in time. */
    private static final Duration NEVER_IN_TIME = Duration.ofSeconds(20);
    /** Generous: the point is "answered at the deadline, not when the slow call ends", not a latency figure. */
    private static final Duration MARGIN = Duration.ofSeconds(5);

    private final CascadeStandIn cascade = StandIns.get().cascade();
    private final DataAgentStandIn data = StandIns.get().dataAgent();
    private String token;

    @jakarta.inject.Inject
    io.quarkus.redis.datasource.RedisDataSource redis;

    @BeforeEach
    void reset() {
        StandIns.get().reset();
        token = TestInfra.get().tokens().mint(ALICE);
    }

    @Test
    void aCallerThatLogsTheFailureItselfGetsItStreamedButNeitherLoggedNorPublished() {
        cascade.fails(Stage.ANY, ErrorType.LLM_UNAVAILABLE, "No configured model answered within the deadline.", 30);

        String body = io.restassured.RestAssured.given().auth().oauth2(token)
                .contentType(io.restassured.http.ContentType.JSON).body(Runs.body(QUESTION, true))
                .header(dev.verity.contract.Headers.REQUEST_ID, "req-caller-logs")
                .header(dev.verity.contract.Headers.FAILURE_EVENT, dev.verity.contract.Headers.FAILURE_EVENT_BY_CALLER)
                .when().post("/v1/runs").asString();

        List<JsonNode> events = Sse.events(body);
        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "service_unavailable", "agent_failed");
        JsonNode failed = events.get(3);
        assertThat(failed.path("data").path("problem").path("error_type").asText()).isEqualTo("llm_unavailable");
        assertThat(failed.path("event_id").isMissingNode() || failed.path("event_id").isNull())
                .as("not logged, so no event id").isTrue();
        assertThat(events.get(2).path("event_id").asText()).matches("\\d+-\\d+");
        assertThat(loggedTypes("req-caller-logs")).containsExactly("agent_started", "agent_thinking", "service_unavailable");

        // Without the header the agent logs the failure like every other event.
        Runs.stream(token, QUESTION, "req-agent-logs").asString();
        assertThat(loggedTypes("req-agent-logs")).endsWith("agent_failed");
    }

    private List<String> loggedTypes(String requestId) {
        return redis.stream(String.class)
                .xrange(dev.verity.agent.events.EventLog.LOG_PREFIX + ALICE.userId(),
                        io.quarkus.redis.datasource.stream.StreamRange.of("-", "+"))
                .stream()
                .map(message -> Json.read(message.payload().get(dev.verity.agent.events.EventLog.FIELD)))
                .filter(event -> requestId.equals(event.path("request_id").asText()))
                .map(event -> event.path("type").asText())
                .toList();
    }

    @Test
    void providerDownEndsWithTheCascadesProblemAndNothingAfterIt() {
        cascade.fails(Stage.ANY, ErrorType.LLM_UNAVAILABLE, "No configured model answered within the deadline.", 30);

        String body = Runs.stream(token, QUESTION, "req-down-1").asString();

        List<JsonNode> events = Sse.steps(body);
        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "service_unavailable", "agent_failed");
        JsonNode outage = events.get(2).path("data");
        assertThat(outage.path("service").asText()).isEqualTo("llm-cascade");
        assertThat(outage.path("error_type").asText()).isEqualTo("llm_unavailable");
        assertThat(outage.path("estimated_recovery_seconds").asInt()).isEqualTo(30);
        JsonNode problem = events.get(3).path("data").path("problem");
        assertThat(problem.path("error_type").asText()).isEqualTo("llm_unavailable");
        assertThat(problem.path("service").asText()).isEqualTo("llm-cascade");
        assertThat(problem.path("retry_after_seconds").asInt()).isEqualTo(30);
        assertThat(problem.path("attempts")).hasSize(2);
        assertThat(body.toLowerCase()).doesNotContain("fallback response").doesNotContain("i apologize");
        // retry_after_seconds (30) is longer than the run may wait, so there was no second call.
        assertThat(cascade.chatRequestCount()).isEqualTo(1);
        assertThat(data.toolRequests()).isEmpty();
    }

    @Test
    void providerDownWithoutStreamingIsTheProblemWithItsStatus() {
        cascade.fails(Stage.ANY, ErrorType.LLM_UNAVAILABLE, "No configured model answered within the deadline.", 30);

        String body = Runs.post(token, Runs.body(QUESTION, false), "req-down-2", null).then()
                .statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", "30")
                .body("error_type", equalTo("llm_unavailable"))
                .body("service", equalTo("llm-cascade"))
                .body("detail", equalTo("No configured model answered within the deadline."))
                .extract().asString();
        assertThat(body.toLowerCase()).doesNotContain("fallback");
    }

    @Test
    void providerFailingAfterAToolStepEndsTheRunThere() {
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_1", "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        data.answersMetrics(token, "small", 812, DataSource.primary(Instant.now()));
        cascade.fails(Stage.AFTER_TOOL_RESULTS, ErrorType.LLM_UPSTREAM_ERROR, "The model provider failed.", 30);

        String body = Runs.stream(token, QUESTION, "req-down-3").asString();

        List<JsonNode> events = Sse.steps(body);
        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "tool_executing",
                "tool_completed", "agent_thinking", "service_unavailable", "agent_failed");
        assertThat(events.get(6).path("data").path("problem").path("error_type").asText()).isEqualTo("llm_upstream_error");
        assertThat(body.toLowerCase()).doesNotContain("fallback response");
        assertThat(data.toolRequests()).hasSize(1);
    }

    @Test
    void unreachableCascadeIsAServiceProblemNotAnAnswer() {
        cascade.unreachable();

        Runs.post(token, Runs.body(QUESTION, false), "req-down-4", null).then()
                .statusCode(503)
                .body("error_type", equalTo("service_unavailable"))
                .body("service", equalTo("execution-agent"))
                .body("detail", equalTo("The model service could not be reached."));
    }

    @Test
    void dataAgentProblemIsFedToTheModelAsTheRealFailure() {
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_1", "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        data.fails(ErrorType.DATA_UNAVAILABLE, "Usage data is unavailable: primary, replica and cache all failed for latency_ms.");
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, null, "I could not retrieve your latency data right now.", "small", false);

        List<JsonNode> events = Sse.steps(Runs.stream(token, QUESTION, "req-tool-1").asString());

        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "tool_executing",
                "tool_completed", "agent_thinking", "agent_completed");
        JsonNode completed = events.get(3).path("data");
        assertThat(completed.path("outcome").asText()).isEqualTo("failed");
        assertThat(completed.path("problem").path("error_type").asText()).isEqualTo("data_unavailable");
        assertThat(completed.has("summary")).isFalse();

        JsonNode toolMessage = RunEventsTest.last(cascade.chatRequests().get(1).path("messages"));
        assertThat(toolMessage.path("role").asText()).isEqualTo("tool");
        JsonNode fed = Json.read(toolMessage.path("content").asText());
        assertThat(fed.path("error").path("failed").asBoolean()).isTrue();
        assertThat(fed.path("error").path("tool").asText()).isEqualTo("query_metrics");
        assertThat(fed.path("error").path("error_type").asText()).isEqualTo("data_unavailable");
        assertThat(fed.path("error").path("detail").asText())
                .isEqualTo("Usage data is unavailable: primary, replica and cache all failed for latency_ms.");
        assertThat(fed.has("series")).isFalse();
    }

    @Test
    void dataAgentDownIsFedToTheModelAsUnreachable() {
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_1", "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        data.down();
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, null, "The metrics service is down; I have no figures.", "small", false);

        List<JsonNode> events = Sse.steps(Runs.stream(token, QUESTION, "req-tool-2").asString());

        assertThat(Sse.types(events)).endsWith("agent_completed");
        assertThat(events.get(3).path("data").path("problem").path("error_type").asText()).isEqualTo("service_unavailable");
        JsonNode fed = Json.read(RunEventsTest.last(cascade.chatRequests().get(1).path("messages")).path("content").asText());
        assertThat(fed.path("error").path("error_type").asText()).isEqualTo("service_unavailable");
        assertThat(fed.path("error").path("detail").asText()).isEqualTo("The data agent could not be reached.");
    }

    @Test
    void deadlineWhileTheModelThinksEndsWithAgentTimeoutAtTheDeadline() {
        cascade.answersTextAfter(NEVER_IN_TIME, "Too late to matter.", "large");
        Instant deadline = Instant.now().plusMillis(1500);

        String body = Runs.post(token, Runs.body(QUESTION, true), "req-late-1", deadline).asString();

        assertThat(Instant.now()).isBefore(deadline.plus(MARGIN));
        List<JsonNode> events = Sse.steps(body);
        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "agent_failed");
        assertThat(events.get(2).path("data").path("problem").path("error_type").asText()).isEqualTo("agent_timeout");
        assertThat(body).doesNotContain("Too late to matter.");
    }

    @Test
    void deadlineWithoutStreamingIsA504Problem() {
        cascade.answersTextAfter(NEVER_IN_TIME, "Too late to matter.", "large");
        Instant deadline = Instant.now().plusMillis(1500);

        Runs.post(token, Runs.body(QUESTION, false), "req-late-2", deadline).then()
                .statusCode(504)
                .body("error_type", equalTo("agent_timeout"))
                .body("retryable", equalTo(true));
        assertThat(Instant.now()).isBefore(deadline.plus(MARGIN));
    }

    @Test
    void deadlineDuringAToolCallEndsTheToolAndTheRun() {
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_1", "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        data.answersMetricsAfter(NEVER_IN_TIME);
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, null, "Should never be asked.", "large", false);
        Instant deadline = Instant.now().plusMillis(1500);

        List<JsonNode> events = Sse.steps(Runs.post(token, Runs.body(QUESTION, true), "req-late-3", deadline).asString());

        assertThat(Instant.now()).isBefore(deadline.plus(MARGIN));
        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "tool_executing",
                "tool_completed", "agent_failed");
        assertThat(events.get(3).path("data").path("outcome").asText()).isEqualTo("failed");
        assertThat(events.get(4).path("data").path("problem").path("error_type").asText()).isEqualTo("agent_timeout");
        assertThat(cascade.chatRequestCount()).isEqualTo(1);
    }

    @Test
    void aDeadlineAlreadyPassedStartsNoRun() {
        Runs.post(token, Runs.body(QUESTION, true), "req-late-4", Instant.now().minusSeconds(1)).then()
                .statusCode(504)
                .contentType("application/problem+json")
                .body("error_type", equalTo("agent_timeout"));
        assertThat(cascade.chatRequestCount()).isZero();
    }

    @Test
    void stepLimitEndsWithAgentTimeoutNotAPartialAnswer() {
        // The model keeps asking for tools; the test profile allows 3 model steps.
        cascade.answersToolCall(Stage.ANY, null, "call_n", "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        data.answersMetrics(token, "small", 812, DataSource.primary(Instant.now()));

        List<JsonNode> events = Sse.steps(Runs.stream(token, QUESTION, "req-steps-1").asString());

        assertThat(Sse.types(events)).containsExactly("agent_started",
                "agent_thinking", "tool_executing", "tool_completed",
                "agent_thinking", "tool_executing", "tool_completed",
                "agent_thinking", "agent_failed");
        JsonNode problem = events.get(8).path("data").path("problem");
        assertThat(problem.path("error_type").asText()).isEqualTo("agent_timeout");
        assertThat(problem.path("detail").asText()).contains("limit of 3 model steps");
        assertThat(cascade.chatRequestCount()).isEqualTo(3);
        assertThat(data.toolRequests()).hasSize(2);
    }
}
