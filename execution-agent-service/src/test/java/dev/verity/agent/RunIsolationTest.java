package dev.verity.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.verity.agent.support.CascadeStandIn;
import dev.verity.agent.support.CascadeStandIn.Stage;
import dev.verity.agent.support.DataAgentStandIn;
import dev.verity.agent.support.DownstreamsTestResource;
import dev.verity.agent.support.Json;
import dev.verity.agent.support.Runs;
import dev.verity.agent.support.Sse;
import dev.verity.agent.support.StandIns;
import dev.verity.contract.DataSource;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs of different users at the same time: each sees only its own events, and its tools run as itself. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_agent_test"), @ResourceArg(name = "redis-db", value = "3")})
@WithTestResource(DownstreamsTestResource.class)
class RunIsolationTest {

    private static final TestUser ALICE = TestUser.of("u-alice", "org-a", "mid");
    private static final TestUser BOB = TestUser.of("u-bob", "org-b", "enterprise");
    private static final int RUNS_EACH = 3;

    private final CascadeStandIn cascade = StandIns.get().cascade();
    private final DataAgentStandIn data = StandIns.get().dataAgent();
    private final ExecutorService pool = Executors.newFixedThreadPool(2 * RUNS_EACH);

    @BeforeEach
    void reset() {
        StandIns.get().reset();
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private record Party(TestUser user, String token, long p95, String answer) {
    }

    @Test
    void twoUsersRunningConcurrentlyNeverSeeEachOthersEventsOrData() {
        Party alice = party(ALICE, 812, "Alice's p95 was 812 ms.");
        Party bob = party(BOB, 1999, "Bob's p95 was 1999 ms.");

        List<CompletableFuture<String>> aliceRuns = new ArrayList<>();
        List<CompletableFuture<String>> bobRuns = new ArrayList<>();
        for (int i = 0; i < RUNS_EACH; i++) {
            String n = String.valueOf(i);
            aliceRuns.add(CompletableFuture.supplyAsync(
                    () -> Runs.stream(alice.token(), "My latency?", "req-alice-" + n).asString(), pool));
            bobRuns.add(CompletableFuture.supplyAsync(
                    () -> Runs.stream(bob.token(), "My latency?", "req-bob-" + n).asString(), pool));
        }

        for (CompletableFuture<String> run : aliceRuns) {
            assertOnlyOwn(run.join(), alice, bob);
        }
        for (CompletableFuture<String> run : bobRuns) {
            assertOnlyOwn(run.join(), bob, alice);
        }
        assertToolsRanAsTheirUser(alice, bob);
        assertToolsRanAsTheirUser(bob, alice);
    }

    private Party party(TestUser user, long p95, String answer) {
        String token = TestInfra.get().tokens().mint(user);
        cascade.answersToolCall(Stage.FIRST_CALL, token, "call_" + user.userId(), "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        data.answersMetrics(token, "small", p95, DataSource.primary(Instant.now()));
        cascade.answersText(Stage.AFTER_TOOL_RESULTS, token, answer, "large", false);
        return new Party(user, token, p95, answer);
    }

    private static void assertOnlyOwn(String body, Party own, Party other) {
        List<JsonNode> events = Sse.steps(body);
        assertThat(Sse.types(events)).containsExactly("agent_started", "agent_thinking", "tool_executing",
                "tool_completed", "agent_thinking", "agent_completed");
        assertThat(events).allSatisfy(event -> {
            assertThat(event.path("user_id").asText()).isEqualTo(own.user().userId());
            assertThat(event.path("request_id").asText()).startsWith("req-" + own.user().userId().substring(2) + "-");
        });
        assertThat(events.get(5).path("data").path("response").asText()).isEqualTo(own.answer());
        assertThat(body).doesNotContain(other.user().userId()).doesNotContain(other.answer());
    }

    /** What the model received from the tools of one user's runs is that user's org data only. */
    private void assertToolsRanAsTheirUser(Party own, Party other) {
        List<LoggedRequest> ownToolCalls = data.toolRequests().stream()
                .filter(request -> ("Bearer " + own.token()).equals(request.getHeader("Authorization"))).toList();
        assertThat(ownToolCalls).hasSize(RUNS_EACH);
        assertThat(ownToolCalls).allSatisfy(request ->
                assertThat(request.getHeader("X-Request-Id")).startsWith("req-" + own.user().userId().substring(2) + "-"));

        List<JsonNode> secondCalls = cascade.chatRequestsRaw().stream()
                .filter(request -> ("Bearer " + own.token()).equals(request.getHeader("Authorization")))
                .map(request -> Json.read(request.getBodyAsString()))
                .filter(body -> RunEventsTest.last(body.path("messages")).path("role").asText().equals("tool"))
                .toList();
        assertThat(secondCalls).hasSize(RUNS_EACH);
        assertThat(secondCalls).allSatisfy(body -> {
            JsonNode fed = Json.read(RunEventsTest.last(body.path("messages")).path("content").asText());
            assertThat(fed.path("series").get(0).path("buckets").get(0).path("p95").asLong()).isEqualTo(own.p95());
            // Compared as values, not as text: a timestamp's nanoseconds may hold the other's digits.
            assertThat(fed.findValues("p95")).extracting(JsonNode::asLong).containsOnly(own.p95());
            assertThat(body.toString()).doesNotContain(other.answer()).doesNotContain(other.user().userId());
        });
    }
}
