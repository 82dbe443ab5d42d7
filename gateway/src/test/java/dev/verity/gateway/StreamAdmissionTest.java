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

/** A streamed completion holds its admission slot until the stream ends, not only until it starts. */
@QuarkusTest
@TestProfile(StreamAdmissionTest.OneStreamAtATime.class)
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(CascadeStreamStandIn.class)
class StreamAdmissionTest {

    public static class OneStreamAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("verity.routes.completions.max-in-flight", "1", "verity.routes.completions.max-queue", "0");
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
}
