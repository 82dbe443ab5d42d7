package dev.verity.data;

import static dev.verity.data.UsageHttpIngestionTest.post;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.data.TestCalls.Call;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Redis goes away under a running service: a degradation, not an outage. */
@QuarkusTest
@WithTestResource(value = EmbeddedRedisResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_data_test"), @ResourceArg(name = "redis-db", value = "0")})
class RedisDownTest {

    private static final Instant FROM = Instant.parse("2026-03-01T00:00:00Z");

    @Inject
    RedisDataSource redis;

    @AfterEach
    void redisComesBack() {
        EmbeddedRedisResource.startRedis();
    }

    private static JsonNode status() {
        return TestCalls.parse(given().when().get("/v1/status").then().statusCode(200).extract().asString());
    }

    @Test
    void withoutRedisQueriesAndBatchesStillAnswerFromTheDatabaseAndStatusSaysDegraded() {
        String org = TestCalls.org("org-redis-down");
        List<Call> calls = TestCalls.generate(51, FROM, new int[] {0}, 10);

        EmbeddedRedisResource.stopRedis();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            JsonNode status = status();
            assertThat(status.get("status").asText()).isEqualTo("degraded");
            assertThat(status.at("/components/redis/state").asText()).isEqualTo("down");
        });
        post("/v1/usage", org, TestCalls.batch(calls), 201);
        JsonNode answer = post("/v1/metrics/query", org, MetricsExpectations.query(FROM, 1, null), 200);
        assertThat(answer.at("/source/kind").asText()).isEqualTo("primary");
        MetricsExpectations.assertAnswer(answer, calls, FROM, 1, null);
    }

    @Test
    void theStreamConsumerResumesWhenRedisReturns() {
        String org = TestCalls.org("org-redis-back");
        Call call = TestCalls.generate(52, FROM, new int[] {0}, 1).get(0);
        EmbeddedRedisResource.stopRedis();
        await().atMost(Duration.ofSeconds(20)).until(() -> "down".equals(status().at("/components/usage_stream/state").asText()));

        // A fresh Redis: neither the stream nor the consumer group exists any more.
        EmbeddedRedisResource.startRedis();
        await().atMost(Duration.ofSeconds(20)).until(() -> "ready".equals(status().get("status").asText()));
        redis.stream(String.class).xadd("verity:usage", Map.of("event", call.event(org, "u").toString()));

        await().atMost(Duration.ofSeconds(30)).until(() -> Database.count(org) == 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> "up".equals(status().at("/components/usage_stream/state").asText()));
    }
}
