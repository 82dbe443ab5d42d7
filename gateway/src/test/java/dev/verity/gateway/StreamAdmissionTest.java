package dev.verity.gateway;

import static dev.verity.gateway.CascadeStreamStandIn.content;
import static dev.verity.gateway.CascadeStreamStandIn.finish;
import static dev.verity.gateway.CascadeStreamStandIn.provenance;
import static dev.verity.gateway.CascadeStreamStandIn.role;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.gateway.status.StatusPoller;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A streamed completion holds its admission slot until the stream ends, not only until it starts;
 * streams have slots of their own ({@code max-streams}), so open streams never hold up an ordinary
 * request of the route.
 */
@QuarkusTest
@TestProfile(StreamAdmissionTest.OneStreamAtATime.class)
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(CascadeStreamStandIn.class)
class StreamAdmissionTest {

    public static class OneStreamAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("verity.routes.completions.max-streams", "1", "verity.routes.completions.max-in-flight", "1",
                    "verity.routes.completions.max-queue", "0");
        }
    }

    private static final String STREAM_REQUEST =
            "{\"model\":\"auto\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Explain streaming.\"}]}";

    @Inject
    StatusPoller poller;

    @TestHTTPResource("/v1/chat/completions")
    URI completions;

    @BeforeEach
    void cascadeReady() {
        CascadeStreamStandIn.reset();
        poller.pollAll().await().indefinitely();
    }

    private static String token() {
        return TestInfra.get().tokens().mint(TestUser.of("u-mid-" + UUID.randomUUID().toString().substring(0, 8), "org-mid", "mid"));
    }

    @Test
    void anOpenStreamKeepsItsSlotUntilItEnds() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(List.of(role(), content("First ")), gate,
                List.of(content("stream."), finish(), provenance("First stream."), "[DONE]")));
        HttpRequest request = HttpRequest.newBuilder(completions)
                .header("Authorization", "Bearer " + token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(STREAM_REQUEST)).build();

        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<InputStream> first = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(first.statusCode()).isEqualTo(200);

            // The first stream is still open: the only slot is taken and nobody may wait.
            given().auth().oauth2(token()).contentType(ContentType.JSON).body(STREAM_REQUEST)
                    .when().post("/v1/chat/completions")
                    .then().statusCode(503)
                    .body("error.code", org.hamcrest.Matchers.equalTo("overloaded"));

            gate.complete(null);
            String rest;
            try (InputStream body = first.body()) {
                rest = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertThat(rest).contains("[DONE]");
        }

        // Once it ended, the slot is free again.
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(List.of(role(), content("Second stream."), finish(),
                provenance("Second stream."), "[DONE]")));
        given().auth().oauth2(token()).contentType(ContentType.JSON).body(STREAM_REQUEST)
                .when().post("/v1/chat/completions")
                .then().statusCode(200)
                .contentType(org.hamcrest.Matchers.startsWith("text/event-stream"));
    }

    @Test
    void anOpenStreamLeavesTheRequestSlotFreeAndARequestLeavesTheStreamSlotFree() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        CascadeStreamStandIn.Script stream = CascadeStreamStandIn.streams(List.of(role(), content("Open ")), gate,
                List.of(content("stream."), finish(), provenance("Open stream."), "[DONE]"));
        CompletableFuture<Void> answerGate = new CompletableFuture<>();
        CascadeStreamStandIn.SCRIPT.set((request, body) -> {
            if (body.toString().contains("\"stream\":true")) {
                stream.answer(request, body);
            } else {
                var context = io.vertx.core.Vertx.currentContext();
                answerGate.thenRun(() -> context.runOnContext(go -> request.response().putHeader("Content-Type", "application/json")
                        .end(StandIns.completion("An ordinary answer.", false))));
            }
        });
        HttpRequest request = HttpRequest.newBuilder(completions)
                .header("Authorization", "Bearer " + token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(STREAM_REQUEST)).build();
        String plain = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Explain admission.\"}]}";

        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<InputStream> open = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(open.statusCode()).isEqualTo(200);

            // The only stream slot is taken; the only request slot is not: the ordinary request is forwarded.
            CompletableFuture<HttpResponse<String>> ordinary = client.sendAsync(HttpRequest.newBuilder(completions)
                    .header("Authorization", "Bearer " + token()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(plain)).build(), HttpResponse.BodyHandlers.ofString());
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> CascadeStreamStandIn.LAST_BODY.get() != null && !CascadeStreamStandIn.LAST_BODY.get().contains("\"stream\""));
            // While that request is under way its slot is taken, and a second ordinary one is refused...
            given().auth().oauth2(token()).contentType(ContentType.JSON).body(plain)
                    .when().post("/v1/chat/completions")
                    .then().statusCode(503).body("error.code", org.hamcrest.Matchers.equalTo("overloaded"));
            // ...and so is a second stream, by the stream gate.
            given().auth().oauth2(token()).contentType(ContentType.JSON).body(STREAM_REQUEST)
                    .when().post("/v1/chat/completions")
                    .then().statusCode(503).body("error.code", org.hamcrest.Matchers.equalTo("overloaded"));

            answerGate.complete(null);
            HttpResponse<String> answered = ordinary.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
            assertThat(answered.body()).contains("An ordinary answer.");

            gate.complete(null);
            try (InputStream body = open.body()) {
                assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).contains("Open ").contains("[DONE]");
            }
        }
    }
}
