package dev.verity.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import dev.verity.contract.EventType;
import dev.verity.contract.Services;
import dev.verity.local.VerityTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class DisclosureTest extends GatewayTestSupport {

    private static final String CHAT = "{\"message\":\"How fast were my calls?\"}";

    @Inject
    RedisDataSource redis;

    @Inject
    CapturedEvents events;

    @ConfigProperty(name = "verity.status.channel")
    String channel;

    @Test
    void anUnavailableServiceFailsTheRequestAtOnceWithoutCallingIt() {
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", 200, StandIns.runAnswer("r", "never sent"));
        standIns.status(Services.EXECUTION_AGENT, "unavailable");
        poll();

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON).body(CHAT)
                .header("X-Request-Deadline", String.valueOf(System.currentTimeMillis() + 120_000))
                .when().post("/api/v1/chat")
                .then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", not(equalTo(null)))
                .body("error_type", equalTo("service_unavailable"))
                .body("detail", containsString("execution-agent"));

        standIns.wireMock().verifyThat(0, postRequestedFor(urlEqualTo("/agent/v1/runs")));
    }

    @Test
    void aServiceThatStopsAnsweringStatusChecksIsMarkedUnavailable() {
        standIns.statusNotAnswering(Services.DATA_AGENT);
        poll();

        given().when().get("/api/v1/status").then().statusCode(200)
                .body("services.data-agent.status", equalTo("unavailable"))
                .body("services.data-agent.reason", equalTo("not answering status checks"))
                .body("status", equalTo("degraded"));
        given().auth().oauth2(tokens().mint(user("free"))).contentType(ContentType.JSON).body(ForwardingTest.METRICS)
                .when().post("/api/v1/metrics/query")
                .then().statusCode(503).body("error_type", equalTo("service_unavailable"));
        standIns.wireMock().verifyThat(0, postRequestedFor(urlEqualTo("/data/v1/metrics/query")));
    }

    @Test
    void aStatusCheckThatTimesOutOnceIsNotAnOutageButThreeInARowAre() {
        // Longer than verity.status.poll-timeout (2 s): each check times out.
        standIns.statusSlow(Services.DATA_AGENT, 2_600);
        standIns.answer(Services.DATA_AGENT, "/v1/metrics/query", 200, ForwardingTest.SERIES);

        poll();
        given().when().get("/api/v1/status").then().statusCode(200)
                .body("services.data-agent.status", equalTo("ready"));

        poll();
        given().when().get("/api/v1/status").then().body("services.data-agent.status", equalTo("ready"));
        poll();
        given().when().get("/api/v1/status").then().statusCode(200)
                .body("services.data-agent.status", equalTo("unavailable"))
                .body("services.data-agent.reason", equalTo("status checks timed out 3 times in a row"));
        given().auth().oauth2(tokens().mint(user("free"))).contentType(ContentType.JSON).body(ForwardingTest.METRICS)
                .when().post("/api/v1/metrics/query")
                .then().statusCode(503).body("error_type", equalTo("service_unavailable"));
    }

    @Test
    void lateStatusChecksOfAServiceThatKeepsAnsweringRequestsAreNoOutage() {
        standIns.statusSlow(Services.DATA_AGENT, 2_600);
        standIns.answer(Services.DATA_AGENT, "/v1/metrics/query", 200, ForwardingTest.SERIES);
        poll();

        for (int check = 0; check < 3; check++) {
            given().auth().oauth2(tokens().mint(user("free"))).contentType(ContentType.JSON).body(ForwardingTest.METRICS)
                    .when().post("/api/v1/metrics/query")
                    .then().statusCode(200);
            poll();
        }

        given().when().get("/api/v1/status").then().statusCode(200)
                .body("services.data-agent.status", equalTo("ready"));

        // Once it stops answering requests too, three late checks in a row take it out as before.
        poll();
        poll();
        poll();
        given().when().get("/api/v1/status").then().statusCode(200)
                .body("services.data-agent.status", equalTo("unavailable"))
                .body("services.data-agent.reason", equalTo("status checks timed out 3 times in a row"));
    }

    @Test
    void aGoodStatusAnswerBetweenTimeoutsStartsTheCountAgain() {
        standIns.statusSlow(Services.DATA_AGENT, 2_600);
        poll();
        poll();
        standIns.status(Services.DATA_AGENT, "ready");
        poll();
        standIns.statusSlow(Services.DATA_AGENT, 2_600);
        poll();
        poll();

        given().when().get("/api/v1/status").then().statusCode(200)
                .body("services.data-agent.status", equalTo("ready"));
    }

    @Test
    void aStartingServiceIsWaitedForAndARedisPushReleasesTheRequest() {
        standIns.status(Services.EXECUTION_AGENT, "initializing");
        poll();
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", 200, StandIns.runAnswer("r", "Ready now, and real."));
        String requestId = requestId("wait");
        String token = tokens().mint(user("mid"));

        CompletableFuture<Response> answer = CompletableFuture.supplyAsync(() -> given().auth().oauth2(token)
                .contentType(ContentType.JSON).body(CHAT).header("X-Request-Id", requestId)
                .header("X-Request-Deadline", String.valueOf(System.currentTimeMillis() + 60_000))
                .when().post("/api/v1/chat"));

        await().atMost(Duration.ofSeconds(20)).until(() -> events.forRequest(requestId).stream()
                .anyMatch(e -> e.type() == EventType.SERVICE_INITIALIZING));
        standIns.wireMock().verifyThat(0, postRequestedFor(urlEqualTo("/agent/v1/runs")));

        redis.pubsub(String.class).publish(channel, """
                {"service":"execution-agent","status":"ready","since":"2026-01-01T00:00:00Z","components":{}}""");

        Response response = answer.join();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.jsonPath().getString("response")).isEqualTo("Ready now, and real.");
        assertThat(events.all()).anyMatch(e -> e.type() == EventType.SERVICE_READY
                && Services.EXECUTION_AGENT.equals(e.data().get("service")));
    }

    @Test
    void aServiceStillStartingAtTheDeadlineIsServiceUnavailableAndNeverCalled() {
        standIns.status(Services.LLM_CASCADE, "initializing");
        poll();
        given().when().get("/api/v1/status").then().body("services.llm-cascade.status", equalTo("initializing"));

        given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON)
                .body("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .header("X-Request-Deadline", String.valueOf(System.currentTimeMillis() + 3_000))
                .when().post("/v1/chat/completions")
                .then().log().ifValidationFails().statusCode(503)
                .body("error.code", equalTo("service_unavailable"))
                .body("error.message", containsString("still starting"));
        standIns.wireMock().verifyThat(0, postRequestedFor(urlEqualTo("/cascade/v1/chat/completions")));
    }

    @Test
    void combinedStatusNeedsNoTokenAndThePageShowsTheSameDataWithoutExternalAssets() {
        standIns.status(Services.DATA_AGENT, "degraded");
        poll();

        given().when().get("/api/v1/status").then().statusCode(200)
                .body("status", equalTo("degraded"))
                .body("services.gateway.status", equalTo("ready"))
                .body("services.llm-cascade.status", equalTo("ready"))
                .body("services.data-agent.status", equalTo("degraded"))
                .body("services.data-agent.reason", equalTo("test says degraded"))
                .body("status_updates", equalTo("pushed over Redis and polled"));

        String page = given().when().get("/status").then().statusCode(200)
                .contentType(containsString("text/html")).extract().asString();
        assertThat(page).contains("execution-agent", "data-agent", "test says degraded", "degraded");
        assertThat(page).doesNotContain("<script", "<link", "src=\"http", "@import");
    }
}
