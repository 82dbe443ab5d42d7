package dev.verity.data;

import static dev.verity.data.UsageHttpIngestionTest.token;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.data.TestCalls.Call;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import io.quarkus.redis.datasource.stream.StreamRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** PostgreSQL goes down under a running service (the proxy in front of it is cut). */
@QuarkusTest
@WithTestResource(value = ProxiedDatabaseResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_data_test"), @ResourceArg(name = "redis-db", value = "2")})
class DatabaseDownTest {

    private static final Instant FROM = Instant.parse("2026-06-01T00:00:00Z");

    @Inject
    RedisDataSource redis;

    @AfterEach
    void databaseComesBack() {
        ProxiedDatabaseResource.proxy().start();
        await().atMost(Duration.ofSeconds(30)).until(() -> "ready".equals(status().get("status").asText()));
    }

    private static JsonNode status() {
        return TestCalls.parse(given().when().get("/v1/status").then().extract().asString());
    }

    private static io.restassured.response.Response post(String path, String org, String body) {
        return given().auth().oauth2(token(org)).contentType(ContentType.JSON).body(body).when().post(path);
    }

    @Test
    void withTheDatabaseDownTheLastRealResultIsServedWithItsAgeAndNothingElse() {
        String org = TestCalls.org("org-down");
        List<Call> calls = TestCalls.generate(31, FROM, new int[] {0, 2}, 20);
        assertThat(post("/v1/usage", org, TestCalls.batch(calls)).statusCode()).isEqualTo(201);
        String query = MetricsExpectations.query(FROM, 3, "model");
        JsonNode fresh = TestCalls.parse(post("/v1/metrics/query", org, query).then().statusCode(200).extract().asString());
        assertThat(fresh.at("/source/kind").asText()).isEqualTo("primary");
        JsonNode cached = cachedEntryHolding(fresh);
        List<JsonNode> published = new CopyOnWriteArrayList<>();
        var subscriber = redis.pubsub(String.class).subscribe("verity:status", m -> published.add(TestCalls.parse(m)));

        ProxiedDatabaseResource.proxy().stop();

        JsonNode degraded = TestCalls.parse(post("/v1/metrics/query", org, query).then().statusCode(200)
                .contentType("application/json").extract().asString());
        assertThat(degraded.at("/source/kind").asText()).isEqualTo("cache");
        assertThat(degraded.at("/source/degraded").asBoolean()).isTrue();
        Instant asOf = Instant.parse(degraded.at("/source/as_of").asText());
        assertThat(asOf).isEqualTo(Instant.parse(fresh.at("/source/as_of").asText()))
                .isEqualTo(Instant.parse(cached.get("stored_at").asText()));
        long age = degraded.at("/source/freshness_seconds").asLong();
        assertThat(age).isBetween(0L, Duration.between(asOf, Instant.now()).toSeconds());
        // Every value served is the cached real result, which is what the database held.
        assertThat(degraded.get("series")).isEqualTo(cached.at("/result/series")).isEqualTo(fresh.get("series"));
        assertThat(degraded.get("empty_buckets")).isEqualTo(fresh.get("empty_buckets"));
        MetricsExpectations.assertAnswer(degraded, calls, FROM, 3, Call::model);
        // Served from the cache, still signed here: the receipt covers the cached figures and the cache source.
        SignedResults.assertSigned(degraded, "/v1/metrics/query");
        assertThat(given().when().get("/q/metrics").then().statusCode(200).extract().asString())
                .contains("verity_data_answers_total{source=\"cache\"");

        JsonNode status = status();
        assertThat(status.get("status").asText()).isEqualTo("degraded");
        assertThat(status.at("/components/postgres/state").asText()).isEqualTo("down");
        await().atMost(Duration.ofSeconds(20)).until(() -> published.stream().anyMatch(
                m -> "data-agent".equals(m.path("service").asText()) && "degraded".equals(m.path("status").asText())));
        subscriber.unsubscribe();
    }

    @Test
    void streamedUsageWaitsUnacknowledgedWhileTheDatabaseIsDownAndIsStoredOnceItReturns() {
        String org = TestCalls.org("org-down-stream");
        Call call = TestCalls.generate(33, FROM, new int[] {0}, 1).get(0);
        var streams = redis.stream(String.class, String.class, String.class);
        ProxiedDatabaseResource.proxy().stop();

        String entry = streams.xadd("verity:usage", java.util.Map.of("event", call.event(org, "u").toString()));

        // Delivered to the consumer, which could not commit it: it stays pending, not acknowledged.
        await().atMost(Duration.ofSeconds(20)).until(() -> !streams.xpending("verity:usage", "data-agent",
                StreamRange.of(entry, entry), 10).isEmpty());
        assertThat(Database.count(org)).isZero();

        ProxiedDatabaseResource.proxy().start();

        await().atMost(Duration.ofSeconds(30)).until(() -> Database.count(org) == 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> streams.xpending("verity:usage", "data-agent",
                StreamRange.of(entry, entry), 10).isEmpty());
        assertThat(Database.count(org)).isEqualTo(1);
    }

    @Test
    void withTheDatabaseDownAndNoCachedResultTheAnswerIsDataUnavailableNamingTheMetrics() {
        String org = TestCalls.org("org-down-nocache");
        ProxiedDatabaseResource.proxy().stop();

        JsonNode problem = TestCalls.parse(post("/v1/metrics/query", org,
                "{\"metrics\":[\"cost_usd\",\"error_rate\"],\"from\":\"" + FROM + "\",\"to\":\"" + FROM.plusSeconds(7200)
                        + "\",\"bucket\":\"PT1H\"}")
                .then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", "30")
                .extract().asString());

        assertThat(problem.get("error_type").asText()).isEqualTo("data_unavailable");
        assertThat(problem.get("retryable").asBoolean()).isTrue();
        assertThat(problem.at("/error_context/requested_metrics").toString()).isEqualTo("[\"cost_usd\",\"error_rate\"]");
        assertThat(problem.has("series")).isFalse();
        assertThat(problem.get("detail").asText()).doesNotContain("127.0.0.1").doesNotContain("Exception");

        JsonNode cost = TestCalls.parse(post("/v1/cost-analysis", org,
                "{\"from\":\"" + FROM + "\",\"to\":\"" + FROM.plusSeconds(7200) + "\"}")
                .then().statusCode(503).extract().asString());
        assertThat(cost.at("/error_context/requested_metrics/0").asText()).isEqualTo("cost_analysis");
        assertThat(cost.has("calls_analysed")).isFalse();

        String batch = TestCalls.batch(TestCalls.generate(32, FROM, new int[] {0}, 3));
        JsonNode refused = TestCalls.parse(post("/v1/usage", org, batch).then().statusCode(503).extract().asString());
        assertThat(refused.get("error_type").asText()).isEqualTo("data_unavailable");

        ProxiedDatabaseResource.proxy().start();
        assertThat(Database.count(org)).isZero();
    }

    /** The Redis entry under verity:cache:metrics:* written when the database produced this answer. */
    private JsonNode cachedEntryHolding(JsonNode answer) {
        for (String key : redis.key().keys("verity:cache:metrics:*")) {
            String raw = redis.value(String.class).get(key);
            if (raw == null) {
                continue;
            }
            JsonNode entry = TestCalls.parse(raw);
            // Same data from an earlier run may be cached for another org: the production instant tells them apart.
            if (answer.at("/source/as_of").asText().equals(entry.path("stored_at").asText())
                    && answer.get("series").equals(entry.at("/result/series"))
                    && answer.get("empty_buckets").equals(entry.at("/result/empty_buckets"))) {
                assertThat(redis.key().ttl(key)).isPositive();
                return entry;
            }
        }
        throw new AssertionError("no cache entry holds the answer");
    }
}
