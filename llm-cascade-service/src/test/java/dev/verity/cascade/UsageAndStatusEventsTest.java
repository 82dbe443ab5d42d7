package dev.verity.cascade;

import static dev.verity.cascade.CascadeTest.ask;
import static dev.verity.cascade.CascadeTest.chat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.verity.cascade.service.ModelGuards;
import dev.verity.cascade.service.UsageRecorder;
import dev.verity.cascade.standin.InjectWireMock;
import dev.verity.cascade.standin.OpenAi;
import dev.verity.cascade.standin.OpenAiStandIn;
import dev.verity.local.VerityTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.pubsub.PubSubCommands;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the cascade leaves in Redis: one usage event per provider call, and status changes. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_cascade_test"), @ResourceArg(name = "redis-db", value = "1")})
@WithTestResource(OpenAiStandIn.class)
class UsageAndStatusEventsTest {

    @InjectWireMock
    WireMockServer wireMock;

    @Inject
    ModelGuards guards;

    @Inject
    RedisDataSource redis;

    @Inject
    ObjectMapper json;

    @Inject
    UsageRecorder usage;

    @BeforeEach
    void freshProviders() {
        wireMock.resetAll();
        guards.reset();
    }

    List<JsonNode> usageEventsOf(String requestId) {
        return redis.stream(String.class).xrange("verity:usage", StreamRange.of("-", "+")).stream()
                .map(message -> read(message.payload().get("event")))
                .filter(event -> requestId.equals(event.path("request_id").asText()))
                .toList();
    }

    private JsonNode read(String event) {
        try {
            return json.readTree(event);
        } catch (Exception e) {
            throw new AssertionError("usage event is not JSON: " + event, e);
        }
    }

    @Test
    void aBurstOfCallsLeavesExactlyOneUsageEventEachWhenTheirWritesShareBatches() throws Exception {
        OpenAi.stub(wireMock, "small", OpenAi.answer("chatcmpl-burst", "About 520,000.", "stop", 31, 120));
        String prefix = "req-burst-" + UUID.randomUUID() + "-";
        int calls = 40;
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Void>> sent = IntStream.range(0, calls)
                    .mapToObj(i -> CompletableFuture.runAsync(
                            () -> ask(chat("auto", ""), prefix + i).then().statusCode(200), clients))
                    .toList();
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            clients.shutdownNow();
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> usage.pending() == 0);
        // Delivery is at least once: a batch whose reply came after the write timeout, though Redis
        // had taken it, is written again. The data agent stores an event once by its id, and so
        // does this count.
        Map<String, String> requestOfEvent = new HashMap<>();
        redis.stream(String.class).xrange("verity:usage", StreamRange.of("-", "+")).stream()
                .map(message -> read(message.payload().get("event")))
                .filter(event -> event.path("request_id").asText().startsWith(prefix))
                // On this shared machine a call can time out and be answered by the next model: one success each.
                .filter(event -> "success".equals(event.path("outcome").asText()))
                .forEach(event -> requestOfEvent.put(event.path("event_id").asText(), event.path("request_id").asText()));
        assertThat(requestOfEvent.values()).hasSize(calls).doesNotHaveDuplicates();
    }

    @Test
    void everyProviderCallSuccessOrFailureLandsInTheUsageStream() {
        OpenAi.stub(wireMock, "small", OpenAi.error(401, "invalid_api_key"));
        OpenAi.stub(wireMock, "large", OpenAi.answer("chatcmpl-large-usage", "About 520,000.", "stop", 40, 12));

        // The stream outlives test runs: a fresh request id finds this run's events only.
        String requestId = "req-usage-" + UUID.randomUUID();
        ask(chat("auto", ""), requestId).then().statusCode(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(usageEventsOf(requestId)).hasSize(2));
        List<JsonNode> events = usageEventsOf(requestId);
        JsonNode failed = events.stream().filter(e -> e.path("model").asText().equals("small")).findFirst().orElseThrow();
        assertThat(failed.path("outcome").asText()).isEqualTo("error");
        assertThat(failed.path("error_type").asText()).isEqualTo("llm_auth_failed");
        assertThat(failed.path("org_id").asText()).isEqualTo("org-cascade");
        assertThat(failed.path("user_id").asText()).isEqualTo("u-7");
        assertThat(failed.has("prompt_tokens")).isFalse();
        assertThat(failed.has("cost_usd")).isFalse();

        JsonNode answered = events.stream().filter(e -> e.path("model").asText().equals("large")).findFirst().orElseThrow();
        assertThat(answered.path("outcome").asText()).isEqualTo("success");
        assertThat(answered.path("provider").asText()).isEqualTo("openai-compatible");
        assertThat(answered.path("prompt_tokens").asInt()).isEqualTo(40);
        assertThat(answered.path("completion_tokens").asInt()).isEqualTo(12);
        // (40 × 5 + 12 × 15) / 1e6, exact to 12 decimal places: what the data agent stores digit for digit.
        assertThat(answered.path("cost_usd").decimalValue()).isEqualTo(new java.math.BigDecimal("0.000380000000"));
        assertThat(answered.path("degraded").asBoolean()).isTrue();
        assertThat(answered.path("event_id").asText()).isNotBlank().isNotEqualTo(failed.path("event_id").asText());
    }

    @Test
    void timeoutsAreRecordedAsTimeouts() {
        OpenAi.stub(wireMock, "small", com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                .withFixedDelay((int) OpenAiStandIn.SMALL_TIMEOUT_MS + 1200).withStatus(200).withBody("{}"));

        String requestId = "req-usage-timeout-" + UUID.randomUUID();
        ask(chat("small", ",\"fallback\":\"deny\""), requestId).then().statusCode(504);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(usageEventsOf(requestId))
                .singleElement()
                .satisfies(event -> {
                    assertThat(event.path("outcome").asText()).isEqualTo("timeout");
                    assertThat(event.path("error_type").asText()).isEqualTo("llm_timeout");
                }));
    }

    @Test
    void breakerChangesArePublishedOnTheStatusChannel() {
        List<JsonNode> published = new CopyOnWriteArrayList<>();
        PubSubCommands.RedisSubscriber subscriber = redis.pubsub(String.class)
                .subscribe("verity:status", message -> {
                    JsonNode status = read(message);
                    if ("llm-cascade".equals(status.path("service").asText())) {
                        published.add(status);
                    }
                });
        try {
            // Bring the status to ready first, so that the breaker opening is a change.
            io.restassured.RestAssured.given().get("/v1/status").then().body("status", org.hamcrest.Matchers.equalTo("ready"));
            OpenAi.stub(wireMock, "small", OpenAi.error(401, "invalid_api_key"));
            OpenAi.stub(wireMock, "large", OpenAi.answer("chatcmpl-large-status", "About 520,000.", "stop", 40, 12));
            for (int i = 0; i < OpenAiStandIn.BREAKER_WINDOW; i++) {
                ask(chat("auto", "")).then().statusCode(200);
            }

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(published)
                    .anySatisfy(status -> {
                        assertThat(status.path("status").asText()).isEqualTo("degraded");
                        assertThat(status.path("components").path("model:small").path("state").asText()).isEqualTo("open");
                    }));
        } finally {
            subscriber.unsubscribe();
        }
    }
}
