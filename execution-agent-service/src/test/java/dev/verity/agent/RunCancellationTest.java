package dev.verity.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.verity.agent.support.CascadeStandIn;
import dev.verity.agent.support.DataAgentStandIn;
import dev.verity.agent.support.DownstreamsTestResource;
import dev.verity.agent.support.Runs;
import dev.verity.agent.support.StandIns;
import dev.verity.contract.DataSource;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A client that leaves a streaming run stops it: the tool the model would have asked for never runs. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_agent_test"), @ResourceArg(name = "redis-db", value = "3")})
@WithTestResource(DownstreamsTestResource.class)
class RunCancellationTest {

    private static final TestUser ALICE = TestUser.of("u-alice", "org-a", "mid");
    /** The model's tool call arrives this late; long enough for the client to have left before it. */
    private static final Duration MODEL_DELAY = Duration.ofSeconds(2);

    private final CascadeStandIn cascade = StandIns.get().cascade();
    private final DataAgentStandIn data = StandIns.get().dataAgent();

    @BeforeEach
    void reset() {
        StandIns.get().reset();
    }

    @Test
    void leavingTheStreamCancelsTheRunAndNoToolRunsAfterwards() throws Exception {
        String token = TestInfra.get().tokens().mint(ALICE);
        cascade.answersToolCallAfter(MODEL_DELAY, "call_1", "query_metrics", Runs.METRICS_ARGUMENTS, "small");
        data.answersMetrics(token, "small", 812, DataSource.primary(Instant.now()));

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v1/runs"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Runs.body("How fast were my calls today?", true)))
                .build();
        HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = response.body()) {
            Iterator<String> events = lines.iterator();
            boolean thinking = false;
            while (!thinking && events.hasNext()) {
                thinking = events.next().contains("\"agent_thinking\"");
            }
            assertThat(thinking).isTrue();
        }
        client.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> cascade.chatRequestCount() == 1);
        // Had the run gone on, the model's tool call (due after MODEL_DELAY) would have reached the data agent.
        await().during(MODEL_DELAY.plusSeconds(2)).atMost(MODEL_DELAY.plusSeconds(4))
                .until(() -> data.toolRequests().isEmpty());
    }

    @Test
    void leavingWhileTheAnswerStreamsClosesTheCascadeStream() throws Exception {
        String token = TestInfra.get().tokens().mint(ALICE);
        cascade.streamsThenHolds("Your p95 latency today was", "large");

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v1/runs"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Runs.body("How fast were my calls today?", true)))
                .build();
        HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = response.body()) {
            Iterator<String> events = lines.iterator();
            boolean delta = false;
            while (!delta && events.hasNext()) {
                delta = events.next().contains("\"delta\"");
            }
            assertThat(delta).as("the answer was streaming when the client left").isTrue();
        }
        client.close();

        // The agent closed its connection to the cascade, so the model's answer is not produced for nobody.
        await().atMost(Duration.ofSeconds(10)).until(() -> cascade.heldStreamsLeft() == 1);
    }
}
