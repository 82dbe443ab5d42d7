package dev.verity.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.agent.support.CascadeStandIn;
import dev.verity.agent.support.CascadeStandIn.Stage;
import dev.verity.agent.support.DataAgentStandIn;
import dev.verity.agent.support.DownstreamsTestResource;
import dev.verity.agent.support.Runs;
import dev.verity.agent.support.Sse;
import dev.verity.agent.support.StandIns;
import dev.verity.contract.ErrorType;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** With {@code verity.agent.tool-failure=fail-run}, a failed tool ends the run with tool_failed. */
@QuarkusTest
@TestProfile(ToolFailureEndsRunTest.FailRun.class)
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_agent_test"), @ResourceArg(name = "redis-db", value = "3")})
@WithTestResource(DownstreamsTestResource.class)
class ToolFailureEndsRunTest {

    public static class FailRun implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("verity.agent.tool-failure", "fail-run");
        }
    }

    private static final TestUser ALICE = TestUser.of("u-alice", "org-a", "mid");

    private final CascadeStandIn cascade = StandIns.get().cascade();
    private final DataAgentStandIn data = StandIns.get().dataAgent();
    private String token;

    @BeforeEach
    void reset() {
        StandIns.get().reset();
        token = TestInfra.get().tokens().mint(ALICE);
        cascade.answersToolCall(Stage.FIRST_CALL, null, "call_1", "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, null, "Should never be asked.", "large", false);
    }

    @Test
    void failedToolEndsTheRunWithToolFailedAndTheModelIsNotAskedAgain() {
        data.fails(ErrorType.DATA_UNAVAILABLE, "Usage data is unavailable: primary, replica and cache all failed for latency_ms.");

        String body = Runs.stream(token, "How fast were my calls today?", "req-fail-1").asString();

        List<JsonNode> events = Sse.steps(body);
        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "tool_executing",
                "tool_completed", "agent_failed");
        assertThat(events.get(3).path("data").path("problem").path("error_type").asText()).isEqualTo("data_unavailable");
        JsonNode problem = events.get(4).path("data").path("problem");
        assertThat(problem.path("error_type").asText()).isEqualTo("tool_failed");
        assertThat(problem.path("detail").asText()).contains("query_metrics").contains("primary, replica and cache all failed");
        assertThat(body).doesNotContain("Should never be asked.");
        assertThat(cascade.chatRequestCount()).isEqualTo(1);
    }

    @Test
    void failedToolWithoutStreamingIsA502Problem() {
        data.down();

        Runs.post(token, Runs.body("How fast were my calls today?", false), "req-fail-2", null).then()
                .statusCode(502)
                .header("Retry-After", equalTo("30"))
                .body("error_type", equalTo("tool_failed"))
                .body("detail", containsString("could not be reached"));
        assertThat(cascade.chatRequestCount()).isEqualTo(1);
    }
}
