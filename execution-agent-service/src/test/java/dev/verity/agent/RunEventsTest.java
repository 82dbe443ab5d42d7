package dev.verity.agent;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.verity.contract.Headers;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A run's events tell exactly what happened: real model calls, real tool calls, one terminal event. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_agent_test"), @ResourceArg(name = "redis-db", value = "3")})
@WithTestResource(DownstreamsTestResource.class)
class RunEventsTest {

    private static final TestUser ALICE = TestUser.of("u-alice", "org-a", "mid");
    private static final String QUESTION = "How fast were my calls today?";

    private final CascadeStandIn cascade = StandIns.get().cascade();
    private final DataAgentStandIn data = StandIns.get().dataAgent();
    private String token;

    @BeforeEach
    void reset() {
        StandIns.get().reset();
        token = TestInfra.get().tokens().mint(ALICE);
    }

    private void metricsRun(String finalAnswer) {
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_1", "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        data.answersMetrics(token, "small", 812, DataSource.primary(Instant.now()));
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, null, finalAnswer, "large", false);
    }

    @Test
    void toolRunStreamsRealEventsInOrderAndTheAnswerNamesItsModel() {
        metricsRun("Your p95 latency today was 812 ms on model small.");

        Response response = Runs.stream(token, QUESTION, "req-run-1");

        response.then().statusCode(200).contentType("text/event-stream");
        List<JsonNode> events = Sse.steps(response.asString());
        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "tool_executing",
                "tool_completed", "agent_thinking", "agent_completed");
        assertThat(events).allSatisfy(event -> {
            assertThat(event.path("request_id").asText()).isEqualTo("req-run-1");
            assertThat(event.path("user_id").asText()).isEqualTo("u-alice");
            assertThat(event.path("service").asText()).isEqualTo("execution-agent");
        });
        JsonNode executing = events.get(2).path("data");
        assertThat(executing.path("tool").asText()).isEqualTo("query_metrics");
        assertThat(executing.path("arguments").path("metrics").get(0).asText()).isEqualTo("latency_ms");
        JsonNode completed = events.get(3).path("data");
        assertThat(completed.path("outcome").asText()).isEqualTo("success");
        assertThat(completed.path("summary").path("series").asInt()).isEqualTo(1);
        assertThat(completed.path("summary").path("source").path("kind").asText()).isEqualTo("primary");
        assertThat(completed.path("summary").path("coverage").path("calls_rejected").asInt()).isEqualTo(1);
        assertThat(completed.path("summary").path("degraded").asBoolean()).isTrue();
        JsonNode answer = events.get(5).path("data");
        assertThat(answer.path("response").asText()).isEqualTo("Your p95 latency today was 812 ms on model small.");
        assertThat(answer.path("provenance").path("model").asText()).isEqualTo("large");
        assertThat(answer.path("provenance").path("provider_request_id").asText()).startsWith("chatcmpl-");
    }

    @Test
    void theToolRunsForRealAsTheCallerAndItsResultReachesTheModel() {
        metricsRun("Your p95 latency today was 812 ms.");

        Instant deadline = Instant.now().plusSeconds(30);
        Runs.post(token, Runs.body(QUESTION, true), "req-run-2", deadline).then().statusCode(200);

        List<JsonNode> requests = cascade.chatRequests();
        assertThat(requests).hasSize(2);
        JsonNode first = requests.get(0);
        assertThat(first.path("model").asText()).isEqualTo("auto");
        assertThat(first.path("tools").findValuesAsText("name")).contains("query_metrics", "cost_analysis");
        assertThat(last(first.path("messages")).path("content").asText()).isEqualTo(QUESTION);
        assertThat(cascade.chatRequestsRaw()).allSatisfy(request -> {
            assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + token);
            assertThat(request.getHeader(Headers.REQUEST_ID)).isEqualTo("req-run-2");
            assertThat(request.getHeader(Headers.REQUEST_DEADLINE)).isEqualTo(String.valueOf(deadline.toEpochMilli()));
        });

        assertThat(data.toolRequests()).singleElement().satisfies(request -> {
            assertThat(request.getUrl()).isEqualTo(DataAgentStandIn.METRICS);
            assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + token);
            assertThat(request.getHeader(Headers.REQUEST_ID)).isEqualTo("req-run-2");
            assertThat(request.getHeader(Headers.REQUEST_DEADLINE)).isEqualTo(String.valueOf(deadline.toEpochMilli()));
            assertThat(Json.read(request.getBodyAsString())).isEqualTo(Json.read(Runs.METRICS_ARGUMENTS));
        });

        JsonNode messages = requests.get(1).path("messages");
        JsonNode assistant = messages.get(messages.size() - 2);
        assertThat(assistant.path("role").asText()).isEqualTo("assistant");
        assertThat(assistant.path("tool_calls").get(0).path("id").asText()).isEqualTo("call_1");
        JsonNode toolMessage = last(messages);
        assertThat(toolMessage.path("role").asText()).isEqualTo("tool");
        assertThat(toolMessage.path("tool_call_id").asText()).isEqualTo("call_1");
        JsonNode fed = Json.read(toolMessage.path("content").asText());
        assertThat(fed.path("series").get(0).path("buckets").get(0).path("p95").asLong()).isEqualTo(812);
        assertThat(fed.path("source").path("kind").asText()).isEqualTo("primary");
    }

    @Test
    void nonStreamingRunAnswersWithResponseAndProvenance() {
        metricsRun("Your p95 latency today was 812 ms.");

        Runs.post(token, Runs.body(QUESTION, false), "req-run-3", null).then()
                .statusCode(200)
                .contentType("application/json")
                .body("request_id", org.hamcrest.Matchers.equalTo("req-run-3"))
                .body("response", org.hamcrest.Matchers.equalTo("Your p95 latency today was 812 ms."))
                .body("provenance.model", org.hamcrest.Matchers.equalTo("large"))
                .body("provenance.degraded", org.hamcrest.Matchers.equalTo(false));
    }

    @Test
    void acceptEventStreamAloneAsksForTheStream() {
        metricsRun("812 ms.");

        Response response = io.restassured.RestAssured.given().auth().oauth2(token)
                .contentType("application/json").accept("text/event-stream")
                .body("{\"message\":\"" + QUESTION + "\"}").when().post("/v1/runs");

        response.then().statusCode(200).contentType("text/event-stream");
        assertThat(Sse.types(Sse.steps(response.asString())))
                .startsWith("agent_started").endsWith("agent_completed");
    }

    @Test
    void degradedCascadeAnswerIsAnnouncedBeforeTheAnswer() {
        cascade.answersText(Stage.ANY, null, "You made 42 calls today.", "small", true);

        List<JsonNode> events = Sse.steps(Runs.stream(token, QUESTION, "req-run-4").asString());

        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "service_degraded", "agent_completed");
        assertThat(events.get(2).path("data").path("service").asText()).isEqualTo("llm-cascade");
        assertThat(events.get(2).path("data").path("reason").asText()).isEqualTo("direct call after cascade failure");
        assertThat(events.get(3).path("data").path("provenance").path("degraded").asBoolean()).isTrue();
    }

    @Test
    void dataServedFromCacheIsAnnouncedWithItsAge() {
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_1", "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        data.answersMetrics(token, "small", 812, DataSource.cache(Instant.now().minusSeconds(600), Instant.now()));
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, null, "As of ten minutes ago, p95 was 812 ms.", "large", false);

        List<JsonNode> events = Sse.steps(Runs.stream(token, QUESTION, "req-run-5").asString());

        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "tool_executing",
                "tool_completed", "service_degraded", "agent_thinking", "agent_completed");
        JsonNode degraded = events.get(4).path("data");
        assertThat(degraded.path("service").asText()).isEqualTo("data-agent");
        assertThat(degraded.path("reason").asText()).contains("cache").contains("600 s old");
    }

    @Test
    void costAnalysisToolGoesToTheCostEndpoint() {
        String arguments = """
                {"from":"2026-11-01T00:00:00Z","to":"2026-11-25T00:00:00Z","alternative":"cheapest_successful"}""";
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_c", "cost_analysis", arguments, "small");
        data.answersCost(120, 1.42, 0.61);
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, null, "You spent $1.42; the cheapest route would have cost $0.61.", "large", false);

        List<JsonNode> events = Sse.steps(Runs.stream(token, "What could I save?", "req-run-6").asString());

        assertThat(Sse.types(events)).endsWith("agent_completed");
        JsonNode summary = events.get(3).path("data").path("summary");
        assertThat(summary.path("calls_analysed").asInt()).isEqualTo(120);
        assertThat(summary.path("actual_usd").asDouble()).isEqualTo(1.42);
        assertThat(data.toolRequests()).singleElement()
                .satisfies(request -> assertThat(request.getUrl()).isEqualTo(DataAgentStandIn.COST));
    }

    @Test
    void aCallOfAnUnknownToolIsToldToTheModelWithoutToolEvents() {
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_x", "drop_tables", "{}", "small");
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, null, "I cannot do that.", "small", false);

        List<JsonNode> events = Sse.steps(Runs.stream(token, QUESTION, "req-run-7").asString());

        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "agent_thinking", "agent_completed");
        assertThat(data.toolRequests()).isEmpty();
        JsonNode fed = Json.read(last(cascade.chatRequests().get(1).path("messages")).path("content").asText());
        assertThat(fed.path("error").path("failed").asBoolean()).isTrue();
        assertThat(fed.path("error").path("detail").asText()).contains("drop_tables");
    }

    @Test
    void argumentsThatAreNotAJsonObjectReachNoToolAndTheModelIsTold() {
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_b", "query_metrics", "latency please", "small");
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, null, "I could not form a valid query.", "small", false);

        List<JsonNode> events = Sse.steps(Runs.stream(token, QUESTION, "req-run-10").asString());

        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "agent_thinking", "agent_completed");
        assertThat(data.toolRequests()).isEmpty();
        JsonNode toolMessage = last(cascade.chatRequests().get(1).path("messages"));
        assertThat(toolMessage.path("tool_call_id").asText()).isEqualTo("call_b");
        JsonNode fed = Json.read(toolMessage.path("content").asText());
        assertThat(fed.path("error").path("error_type").asText()).isEqualTo("invalid_request");
        assertThat(fed.path("error").path("detail").asText()).contains("not a JSON object");
    }

    @Test
    void historyReachesTheModelInOrderBeforeTheMessage() {
        cascade.answersText(Stage.ANY, null, "Yes, the same as yesterday.", "small", false);
        String body = """
                {"message":"And today?","history":[{"role":"user","content":"How fast was I yesterday?"},
                {"role":"assistant","content":"p95 was 700 ms."}],"stream":false}""";

        Runs.post(token, body, "req-run-11", null).then().statusCode(200);

        JsonNode messages = cascade.chatRequests().get(0).path("messages");
        assertThat(messages).hasSize(4);
        assertThat(messages.get(0).path("role").asText()).isEqualTo("system");
        assertThat(messages.get(1).path("content").asText()).isEqualTo("How fast was I yesterday?");
        assertThat(messages.get(2).path("role").asText()).isEqualTo("assistant");
        assertThat(messages.get(3).path("role").asText()).isEqualTo("user");
        assertThat(messages.get(3).path("content").asText()).isEqualTo("And today?");
    }

    @Test
    void retryableCascadeProblemIsRetriedOnceWhenItsRetryAfterFits() {
        cascade.failsOnceThenAnswers(ErrorType.LLM_RATE_LIMITED, 1, "You made 42 calls today.", "small");

        List<JsonNode> events = Sse.steps(Runs.stream(token, QUESTION, "req-run-8").asString());

        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "agent_completed");
        assertThat(cascade.chatRequestCount()).isEqualTo(2);
    }

    @Test
    void aCascadeAnswerWithoutProvenanceIsNeverPresented() {
        cascade.answersWithoutProvenance("Unverifiable text");

        String body = Runs.stream(token, QUESTION, "req-run-9").asString();

        List<JsonNode> events = Sse.steps(body);
        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "service_unavailable", "agent_failed");
        JsonNode failed = events.get(3).path("data");
        assertThat(failed.path("problem").path("error_type").asText()).isEqualTo("llm_invalid_response");
        // The text streamed while the model was in flight, but no step presents it as an answer.
        assertThat(events).noneSatisfy(event -> assertThat(event.toString()).contains("Unverifiable"));
        assertThat(Runs.post(token, Runs.body(QUESTION, false), "req-run-9b", null).then().statusCode(502)
                .extract().asString()).doesNotContain("Unverifiable");
    }

    static JsonNode last(JsonNode array) {
        return array.get(array.size() - 1);
    }
}
