package dev.verity.cascade;

import static dev.verity.cascade.CascadeTest.ask;
import static dev.verity.cascade.CascadeTest.chat;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.verity.cascade.service.CascadeMetrics;
import dev.verity.cascade.service.ModelGuards;
import dev.verity.cascade.service.UsageRecorder;
import dev.verity.cascade.standin.InjectWireMock;
import dev.verity.cascade.standin.OpenAi;
import dev.verity.cascade.standin.OpenAiStandIn;
import dev.verity.local.Endpoints;
import dev.verity.local.LocalRedis;
import dev.verity.local.TestInfra;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Redis down is a degradation, not an outage: the user still gets the model's answer, usage events
 * wait in memory and reach the stream once Redis is back. Runs against an embedded Redis this
 * test stops and starts itself, never the shared server.
 */
@QuarkusTest
@WithTestResource(RedisOutageTest.OwnRedis.class)
@WithTestResource(OpenAiStandIn.class)
class RedisOutageTest {

    /** JVM-wide handle: the test and its resource may live in different class loaders. */
    static final String HANDLE = "verity.test.cascade.embedded-redis";
    static final String PORT = "verity.test.cascade.embedded-redis-port";
    static final int BUFFER = 3;

    public static class OwnRedis implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            int port = Endpoints.freePort();
            System.getProperties().put(HANDLE, LocalRedis.startEmbedded(port));
            System.setProperty(PORT, String.valueOf(port));
            TestInfra infra = TestInfra.get();
            Map<String, String> config = new java.util.HashMap<>(infra.receiptKeys().config());
            config.putAll(Map.of("quarkus.redis.hosts", "redis://127.0.0.1:" + port,
                    "verity.cascade.usage.buffer-size", String.valueOf(BUFFER),
                    "mp.jwt.verify.publickey.location", infra.keys().publicKeyPem().toUri().toString(),
                    "mp.jwt.verify.issuer", infra.tokens().issuer()));
            return config;
        }

        @Override
        public void stop() {
            closeRedis();
        }
    }

    @InjectWireMock
    WireMockServer wireMock;

    @Inject
    ModelGuards guards;

    @Inject
    UsageRecorder usage;

    @Inject
    RedisDataSource redis;

    @Inject
    CascadeMetrics metrics;

    static void closeRedis() {
        Object handle = System.getProperties().remove(HANDLE);
        if (handle instanceof AutoCloseable server) {
            try {
                server.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static void startRedis() {
        System.getProperties().put(HANDLE, LocalRedis.startEmbedded(Integer.getInteger(PORT)));
    }

    @AfterEach
    void redisBack() {
        if (System.getProperties().get(HANDLE) == null) {
            startRedis();
        }
    }

    @Test
    void userGetsTheAnswerAndBufferedUsageEventsArriveWhenRedisReturns() {
        wireMock.resetAll();
        guards.reset();
        OpenAi.stub(wireMock, "large", OpenAi.answer("chatcmpl-large-outage", "About 520,000.", "stop", 31, 20));
        ask(chat("large", ",\"fallback\":\"deny\""), "req-outage-before").then().statusCode(200);
        closeRedis();

        var response = ask(chat("large", ",\"fallback\":\"deny\",\"cache\":true"), "req-outage-1");

        response.then().statusCode(200);
        assertThat(response.jsonPath().getString("choices[0].message.content")).isEqualTo("About 520,000.");
        assertThat(response.jsonPath().getString("provenance.provider_request_id")).isEqualTo("chatcmpl-large-outage");
        assertThat(response.jsonPath().getBoolean("provenance.cache_hit")).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> usage.pending() == 1);
        given().get("/v1/status").then().statusCode(200)
                .body("status", Matchers.equalTo("degraded"))
                .body("components.redis.state", Matchers.equalTo("down"));

        // More events than the buffer holds: the overflow is counted, never silently lost.
        double droppedBefore = metrics.usageDroppedCount();
        for (int i = 0; i < BUFFER; i++) {
            ask(chat("large", ",\"fallback\":\"deny\""), "req-outage-more-" + i).then().statusCode(200);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.usageDroppedCount() == droppedBefore + 1);
        assertThat(usage.pending()).isEqualTo(BUFFER);
        given().get("/q/metrics").then().statusCode(200)
                .body(Matchers.containsString("verity_cascade_usage_events_dropped_total"));

        startRedis();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                redis.stream(String.class).xrange("verity:usage", StreamRange.of("-", "+")))
                .anySatisfy(message -> assertThat(message.payload().get("event"))
                        .contains("\"request_id\":\"req-outage-1\"")
                        .contains("\"outcome\":\"success\"")
                        .contains("\"prompt_tokens\":31")));
        await().atMost(Duration.ofSeconds(20)).until(() -> usage.pending() == 0);
        // Everything buffered arrived, in call order; the event that did not fit is the one missing.
        List<String> arrived = redis.stream(String.class).xrange("verity:usage", StreamRange.of("-", "+")).stream()
                .map(message -> message.payload().get("event"))
                .map(event -> event.replaceAll(".*\"request_id\":\"([^\"]+)\".*", "$1"))
                .filter(id -> id.startsWith("req-outage-") && !id.equals("req-outage-before"))
                .toList();
        assertThat(arrived).containsExactly("req-outage-1", "req-outage-more-0", "req-outage-more-1");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/v1/status").then()
                .body("status", Matchers.equalTo("ready")));
    }
}
