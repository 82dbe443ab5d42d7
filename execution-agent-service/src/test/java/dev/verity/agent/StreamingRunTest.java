package dev.verity.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.agent.events.EventLog;
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
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Model turns stream from the cascade: the user watches the real answer form in agent_thinking
 * deltas, streamed tool calls run the real tool, and a stream that breaks ends the run with a
 * problem, never with the text that had arrived presented as the answer.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_agent_test"), @ResourceArg(name = "redis-db", value = "3")})
@WithTestResource(DownstreamsTestResource.class)
class StreamingRunTest {

    private static final String QUESTION = "How fast were my calls today?";
    private static final String PARTIAL = "Your p95 latency today was 8";

    @Inject
    RedisDataSource redis;

    private final CascadeStandIn cascade = StandIns.get().cascade();
    private final DataAgentStandIn data = StandIns.get().dataAgent();
    private TestUser user;
    private String token;

    @BeforeEach
    void reset() {
        StandIns.get().reset();
        // A user of its own per test, so the event log holds exactly this test's run.
        user = TestUser.of("u-stream-" + UUID.randomUUID(), "org-a", "mid");
        token = TestInfra.get().tokens().mint(user);
    }

    @Test
    void thinkingDeltasSpellTheAnswerExactlyOnTheStreamAndInTheEventLog() {
        String answer = "Your p95 latency today was 812 ms — 3 % faster than yesterday ✓. Model “large” answered.";
        cascade.answersText(Stage.ANY, null, answer, "large", false);

        List<JsonNode> events = Sse.events(Runs.stream(token, QUESTION, "req-stream-1").asString());

        List<JsonNode> deltas = Sse.deltas(events);
        // How many deltas depends on how the network groups the chunks; their text does not.
        assertThat(deltas).isNotEmpty();
        assertThat(deltas).allSatisfy(delta -> {
            assertThat(delta.path("data").path("model").asText()).isEqualTo("large");
            assertThat(delta.path("data").path("step").asInt()).isEqualTo(1);
            assertThat(delta.path("data").path("attempt").asInt()).isEqualTo(1);
        });
        assertThat(text(deltas)).isEqualTo(answer);
        JsonNode completed = events.get(events.size() - 1);
        assertThat(completed.path("type").asText()).isEqualTo("agent_completed");
        assertThat(completed.path("data").path("response").asText()).isEqualTo(answer);
        assertThat(completed.path("data").path("provenance").path("model").asText()).isEqualTo("large");
        // The call-start event comes first and names what was asked for; the deltas follow it.
        assertThat(Sse.types(events).subList(0, 2)).containsExactly("agent_started", "agent_thinking");
        assertThat(Sse.isDelta(events.get(1))).isFalse();
        assertThat(Sse.types(events).stream().filter(type -> type.startsWith("agent_c") || type.equals("agent_failed")))
                .containsExactly("agent_completed");

        List<JsonNode> logged = redis.stream(String.class).xrange(EventLog.LOG_PREFIX + user.userId(), StreamRange.of("-", "+"))
                .stream().map(message -> Json.read(message.payload().get(EventLog.FIELD))).toList();
        assertThat(Sse.types(logged)).containsExactlyElementsOf(Sse.types(events));
        assertThat(text(Sse.deltas(logged))).isEqualTo(answer);
        assertThat(Sse.deltas(logged)).allSatisfy(delta -> assertThat(delta.path("data").path("model").asText()).isEqualTo("large"));
    }

    @Test
    void aSupersededAttemptIsAnnouncedBeforeTheNextTiersDeltasAndOnlyTheirTextIsTheAnswer() {
        String truncated = "Your p95 latency today was 8";
        String answer = "Your p95 latency today was 812 ms.";
        cascade.escalatesAfterStreaming(truncated, "small", answer, "large");

        List<JsonNode> events = Sse.events(Runs.stream(token, QUESTION, "req-stream-superseded").asString());

        int at = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).path("data").has("superseded")) {
                assertThat(at).as("one superseded event").isEqualTo(-1);
                at = i;
            }
        }
        assertThat(at).isPositive();
        JsonNode superseded = events.get(at);
        assertThat(superseded.path("type").asText()).isEqualTo("agent_thinking");
        assertThat(superseded.path("data").path("superseded").path("attempt").asInt()).isEqualTo(1);
        assertThat(superseded.path("data").path("superseded").path("model").asText()).isEqualTo("small");
        assertThat(superseded.path("data").path("superseded").path("reason").asText())
                .isEqualTo(CascadeStandIn.TRUNCATION_REASON);
        assertThat(superseded.path("data").path("superseded").path("quality_score").asDouble()).isEqualTo(0.3);
        // What follows is named: the next attempt and its model.
        assertThat(superseded.path("data").path("model").asText()).isEqualTo("large");
        assertThat(superseded.path("data").path("attempt").asInt()).isEqualTo(2);
        List<JsonNode> before = Sse.deltas(events.subList(0, at));
        List<JsonNode> after = Sse.deltas(events.subList(at + 1, events.size()));
        assertThat(text(before)).isEqualTo(truncated);
        assertThat(before).allSatisfy(delta -> {
            assertThat(delta.path("data").path("attempt").asInt()).isEqualTo(1);
            assertThat(delta.path("data").path("model").asText()).isEqualTo("small");
        });
        assertThat(text(after)).isEqualTo(answer);
        assertThat(after).allSatisfy(delta -> {
            assertThat(delta.path("data").path("attempt").asInt()).isEqualTo(2);
            assertThat(delta.path("data").path("model").asText()).isEqualTo("large");
        });
        JsonNode completed = events.getLast();
        assertThat(Sse.types(events).stream().filter(type -> type.equals("agent_completed") || type.equals("agent_failed")))
                .containsExactly("agent_completed");
        assertThat(completed.path("data").path("response").asText()).isEqualTo(answer);
        assertThat(completed.path("data").path("provenance").path("model").asText()).isEqualTo("large");
        assertThat(completed.path("data").path("provenance").path("attempts").get(0).path("outcome").asText())
                .isEqualTo("low_quality");
        // The agent asked for announced escalation on its model turn.
        assertThat(cascade.chatRequestsRaw()).allSatisfy(request ->
                assertThat(request.getHeader("x-verity-stream-escalation")).isEqualTo("announce"));

        // Without streaming the caller gets the decision only: the escalated answer.
        String outcome = Runs.post(token, Runs.body(QUESTION, false), "req-stream-superseded-b", null).then()
                .statusCode(200).extract().asString();
        assertThat(Json.read(outcome).path("response").asText()).isEqualTo(answer);
        assertThat(Json.read(outcome).path("provenance").path("attempts")).hasSize(2);
    }

    @Test
    void aSupersededEventWithoutModelsFailsTheTurnAndItsTextIsNeverTheAnswer() {
        cascade.supersedesWithoutNamingModels("Your p95 latency today was 8", "small");

        JsonNode problem = failedRun("req-stream-superseded-bad");

        assertThat(problem.path("error_type").asText()).isEqualTo("llm_invalid_response");
    }

    @Test
    void aToolCallStreamedInFragmentsRunsTheRealToolWithTheExactArguments() {
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_f", "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        data.answersMetrics(token, "small", 812, DataSource.primary(Instant.now()));
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, null, "Your p95 latency today was 812 ms.", "large", false);

        List<JsonNode> events = Sse.events(Runs.stream(token, QUESTION, "req-stream-2").asString());

        assertThat(Sse.types(Sse.steps(events))).containsExactly("agent_started", "agent_thinking",
                "tool_executing", "tool_completed", "agent_thinking", "agent_completed");
        assertThat(data.toolRequests()).singleElement().satisfies(request -> {
            assertThat(request.getUrl()).isEqualTo(DataAgentStandIn.METRICS);
            assertThat(Json.read(request.getBodyAsString())).isEqualTo(Json.read(Runs.METRICS_ARGUMENTS));
        });
        // The model sees its own call again exactly as it streamed it, joined from the fragments.
        JsonNode messages = cascade.chatRequests().get(1).path("messages");
        JsonNode call = messages.get(messages.size() - 2).path("tool_calls").get(0);
        assertThat(call.path("id").asText()).isEqualTo("call_f");
        assertThat(call.path("function").path("name").asText()).isEqualTo("query_metrics");
        assertThat(call.path("function").path("arguments").asText()).isEqualTo(Runs.METRICS_ARGUMENTS);
        assertThat(events.get(events.size() - 1).path("data").path("response").asText())
                .isEqualTo("Your p95 latency today was 812 ms.");
        assertThat(cascade.chatRequests()).allSatisfy(request -> assertThat(request.path("stream").asBoolean()).isTrue());
    }

    @Test
    void aConnectionCutMidStreamFailsTheRunWithUpstreamError() {
        cascade.cutsOffAfter(PARTIAL, "large");

        JsonNode problem = failedRun("req-stream-3");

        assertThat(problem.path("error_type").asText()).isEqualTo("llm_upstream_error");
        assertThat(problem.path("status").asInt()).isEqualTo(502);
        assertThat(problem.path("retryable").asBoolean()).isTrue();
        assertPartialNeverAnAnswer("req-stream-3b", 502);
    }

    @Test
    void theCascadesErrorEventEndsTheRunWithItsProblem() {
        cascade.failsMidStream(PARTIAL, "large", ErrorType.LLM_TIMEOUT, "The model stopped sending its answer.");

        JsonNode problem = failedRun("req-stream-4");

        assertThat(problem.path("error_type").asText()).isEqualTo("llm_timeout");
        assertThat(problem.path("service").asText()).isEqualTo("llm-cascade");
        assertThat(problem.path("detail").asText()).isEqualTo("The model stopped sending its answer.");
        assertThat(problem.path("attempts")).hasSize(1);
        assertPartialNeverAnAnswer("req-stream-4b", 504);
        // A stream that had begun is never asked again: the user already watched part of it.
        assertThat(cascade.chatRequestCount()).isEqualTo(2);
    }

    @Test
    void anErrorEventWithoutProblemIsReportedByItsCode() {
        cascade.failsMidStreamWithoutProblem(PARTIAL, "large", "llm_upstream_error");

        JsonNode problem = failedRun("req-stream-5");

        assertThat(problem.path("error_type").asText()).isEqualTo("llm_upstream_error");
        assertThat(problem.path("service").asText()).isEqualTo("execution-agent");
        assertThat(problem.path("detail").asText()).doesNotContain("provider failed");
    }

    @Test
    void aMalformedChunkFailsTheRunWithInvalidResponseAndNothingAfterItIsShown() {
        cascade.sendsMalformedChunkAfter(PARTIAL, "12 ms on model large.", "large");

        List<JsonNode> events = Sse.events(Runs.stream(token, QUESTION, "req-stream-6").asString());

        JsonNode problem = events.get(events.size() - 1).path("data").path("problem");
        assertThat(problem.path("error_type").asText()).isEqualTo("llm_invalid_response");
        assertThat(text(Sse.deltas(events))).isEqualTo(PARTIAL);
        assertThat(Sse.types(events)).doesNotContain("agent_completed");
        assertPartialNeverAnAnswer("req-stream-6b", 502);
    }

    @Test
    void aStreamEndingWithoutDoneIsNoAnswerEvenWithItsProvenance() {
        cascade.endsWithoutDone("Your p95 latency today was 812 ms.", "large");

        JsonNode problem = failedRun("req-stream-7");

        assertThat(problem.path("error_type").asText()).isEqualTo("llm_upstream_error");
        Runs.post(token, Runs.body(QUESTION, false), "req-stream-7b", null).then().statusCode(502);
    }

    @Test
    void aWholeCompletionInsteadOfAStreamIsNotTakenAsTheAnswer() {
        cascade.answersWithoutStreaming("Your p95 latency today was 812 ms.", "large");

        String body = Runs.stream(token, QUESTION, "req-stream-9").asString();

        List<JsonNode> events = Sse.events(body);
        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "service_unavailable", "agent_failed");
        assertThat(events.get(3).path("data").path("problem").path("error_type").asText()).isEqualTo("llm_invalid_response");
        assertThat(body).doesNotContain("p95 latency");
    }

    @Test
    void theDeadlineDuringAStreamEndsTheRunAndClosesTheStream() {
        cascade.streamsThenHolds(PARTIAL, "large");
        Instant deadline = Instant.now().plusMillis(1500);

        List<JsonNode> events = Sse.events(Runs.post(token, Runs.body(QUESTION, true), "req-stream-8", deadline).asString());

        assertThat(Sse.types(Sse.steps(events))).containsExactly("agent_started", "agent_thinking", "agent_failed");
        assertThat(events.get(events.size() - 1).path("data").path("problem").path("error_type").asText())
                .isEqualTo("agent_timeout");
        assertThat(text(Sse.deltas(events))).isEqualTo(PARTIAL);
        await().atMost(Duration.ofSeconds(20)).until(() -> cascade.heldStreamsLeft() == 1);
    }

    /** A streaming run that must fail: its steps, its single terminal event, the partial text only in deltas. */
    private JsonNode failedRun(String requestId) {
        String body = Runs.stream(token, QUESTION, requestId).asString();
        List<JsonNode> events = Sse.events(body);
        List<JsonNode> steps = Sse.steps(body);
        assertThat(Sse.types(steps)).containsExactly("agent_started", "agent_thinking", "service_unavailable", "agent_failed");
        assertThat(steps).noneSatisfy(step -> assertThat(step.toString()).contains("p95 latency"));
        assertThat(Sse.deltas(events)).isNotEmpty();
        assertThat(events.get(events.size() - 1).path("type").asText()).isEqualTo("agent_failed");
        return steps.get(3).path("data").path("problem");
    }

    /** Without streaming the caller only gets the outcome: the problem, and none of the text that had arrived. */
    private void assertPartialNeverAnAnswer(String requestId, int status) {
        String body = Runs.post(token, Runs.body(QUESTION, false), requestId, null).then()
                .statusCode(status).contentType("application/problem+json").extract().asString();
        assertThat(body).doesNotContain("p95 latency").doesNotContain("\"response\"");
    }

    private static String text(List<JsonNode> deltas) {
        return deltas.stream().map(delta -> delta.path("data").path("delta").asText()).collect(Collectors.joining());
    }
}
