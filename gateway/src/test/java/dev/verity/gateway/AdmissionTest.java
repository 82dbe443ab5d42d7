package dev.verity.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.verity.contract.EventType;
import dev.verity.gateway.admission.AdmissionControl;
import dev.verity.gateway.routing.Route;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cost-analysis route runs with in-flight limit 1 and queue length 2 in the test profile. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class AdmissionTest extends GatewayTestSupport {

    private static final String PATH = "/data/v1/cost-analysis";
    private static final String BODY = """
            {"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z","alternative":"cheapest_successful"}""";
    private static final String RESULT = TestReceipts.signedData("""
            {"calls_analysed":0,"source":{"kind":"primary","degraded":false}}""", "/v1/cost-analysis");

    private final HttpClient http = HttpClient.newHttpClient();

    @TestHTTPResource("/api/v1/cost-analysis")
    URI costAnalysis;

    @Inject
    AdmissionControl admission;

    @Inject
    CapturedEvents events;

    @AfterEach
    void drained() {
        await().atMost(Duration.ofSeconds(30)).until(() -> admission.inFlight(Route.COST_ANALYSIS) == 0
                && admission.queued(Route.COST_ANALYSIS) == 0);
    }

    private void answers(String requestIdPrefix, int delayMillis) {
        standIns.wireMock().register(post(urlEqualTo(PATH))
                .withHeader("X-Request-Id", WireMock.matching(requestIdPrefix + ".*"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(RESULT)
                        .withFixedDelay(delayMillis)));
    }

    private CompletableFuture<HttpResponse<String>> send(TestUser user, String requestId, long deadline) {
        HttpRequest request = HttpRequest.newBuilder(costAnalysis)
                .header("Authorization", "Bearer " + tokens().mint(user))
                .header("Content-Type", "application/json")
                .header("X-Request-Id", requestId)
                .header("X-Request-Deadline", String.valueOf(deadline))
                .POST(HttpRequest.BodyPublishers.ofString(BODY))
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private static long inSeconds(int seconds) {
        return System.currentTimeMillis() + seconds * 1000L;
    }

    private void occupied(int queued) {
        await().atMost(Duration.ofSeconds(20)).until(() -> admission.inFlight(Route.COST_ANALYSIS) == 1
                && admission.queued(Route.COST_ANALYSIS) == queued);
    }

    @Test
    void enterpriseIsServedBeforeAnEarlierFreeRequest() {
        String tag = requestId("prio");
        answers(tag + "-slow", 3_000);
        answers(tag + "-next", 0);

        var first = send(user("free"), tag + "-slow", inSeconds(60));
        occupied(0);
        var free = send(user("free"), tag + "-next-free", inSeconds(60));
        occupied(1);
        var enterprise = send(user("enterprise"), tag + "-next-enterprise", inSeconds(60));
        occupied(2);

        assertThat(List.of(first.join(), free.join(), enterprise.join())).allMatch(r -> r.statusCode() == 200);
        List<String> served = standIns.wireMock().find(postRequestedFor(urlEqualTo(PATH))).stream()
                .sorted(Comparator.comparing(LoggedRequest::getLoggedDate))
                .map(r -> r.getHeader("X-Request-Id"))
                .filter(id -> id.startsWith(tag))
                .toList();
        assertThat(served).containsExactly(tag + "-slow", tag + "-next-enterprise", tag + "-next-free");

        // What the waiting users were told: free went 1 -> 2 when enterprise arrived, then 1 once enterprise ran.
        assertThat(events.forRequest(tag + "-next-free")).filteredOn(e -> e.type() == EventType.REQUEST_QUEUED)
                .extracting(e -> e.data().get("position")).containsExactly(1, 2, 1);
        assertThat(events.forRequest(tag + "-next-enterprise")).filteredOn(e -> e.type() == EventType.REQUEST_QUEUED)
                .extracting(e -> e.data().get("position")).containsExactly(1);
    }

    @Test
    void aFullQueueIsOverloadedAtOnceWithRetryAfter() {
        String tag = requestId("full");
        answers(tag + "-slow", 3_000);
        answers(tag + "-wait", 0);

        var first = send(user("mid"), tag + "-slow", inSeconds(60));
        occupied(0);
        var second = send(user("mid"), tag + "-wait-1", inSeconds(60));
        var third = send(user("mid"), tag + "-wait-2", inSeconds(60));
        occupied(2);

        HttpResponse<String> refused = send(user("enterprise"), tag + "-refused", inSeconds(60)).join();
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.body()).contains("\"error_type\":\"overloaded\"", "queue is full");
        assertThat(admission.queued(Route.COST_ANALYSIS)).isEqualTo(2);

        assertThat(List.of(first.join(), second.join(), third.join())).allMatch(r -> r.statusCode() == 200);
        standIns.wireMock().verifyThat(0, postRequestedFor(urlEqualTo(PATH)).withHeader("X-Request-Id",
                WireMock.equalTo(tag + "-refused")));
    }

    @Test
    void waitingNeverOutlivesTheDeadline() {
        String tag = requestId("late");
        answers(tag + "-slow", 4_000);
        answers(tag + "-late", 0);

        var first = send(user("mid"), tag + "-slow", inSeconds(60));
        occupied(0);
        // 2.5 s: inside the slow call's 4 s, yet far enough ahead that a loaded machine has not passed it
        // before the gateway reads it (a deadline already past is a 400, not a wait).
        HttpResponse<String> late = send(user("enterprise"), tag + "-late", System.currentTimeMillis() + 2_500).join();

        assertThat(late.statusCode()).isEqualTo(503);
        assertThat(late.headers().firstValue("Retry-After")).isPresent();
        assertThat(late.body()).contains("\"error_type\":\"overloaded\"", "until its deadline");
        assertThat(admission.queued(Route.COST_ANALYSIS)).isZero();
        assertThat(first.join().statusCode()).isEqualTo(200);
        standIns.wireMock().verifyThat(0, postRequestedFor(urlEqualTo(PATH)).withHeader("X-Request-Id",
                WireMock.equalTo(tag + "-late")));
    }
}
