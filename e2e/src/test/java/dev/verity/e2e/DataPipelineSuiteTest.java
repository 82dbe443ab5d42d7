package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Suite 2 of the test plan: usage data flows from real provider calls into PostgreSQL and back
 * out as metrics; bad batches change nothing; with the database down users get the aged cache,
 * marked degraded, or a clean problem naming the metrics. Every number returned exists in the
 * database or the cache.
 */
class DataPipelineSuiteTest {

    private static VerityStack stack;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
    }

    /** A suite run before this one may leave prioritised stubs (a tool call on every run) that outrank this suite's. */
    @BeforeEach
    void freshProvider() {
        stack.provider().reset();
    }

    private static String metricsQuery(String metrics, Instant from, Instant to, String bucket) {
        return """
                {"metrics":[%s],"from":"%s","to":"%s","bucket":"%s"}""".formatted(metrics, from, to, bucket);
    }

    private static Http.Reply metrics(String token, String body) {
        return Http.post(stack.gateway() + "/api/v1/metrics/query", token, body);
    }

    /** Sum of {@code value} and of {@code count} over every bucket of the named metric. */
    private static BigDecimal[] totals(JsonNode result, String metric) {
        BigDecimal value = BigDecimal.ZERO;
        BigDecimal count = BigDecimal.ZERO;
        for (JsonNode series : result.path("series")) {
            if (metric.equals(series.path("metric").asText())) {
                for (JsonNode bucket : series.path("buckets")) {
                    value = value.add(bucket.path("value").decimalValue());
                    count = count.add(BigDecimal.valueOf(bucket.path("count").asLong()));
                }
            }
        }
        return new BigDecimal[] {value, count};
    }

    @Test
    void aRealProviderCallIsRecordedAndShowsUpInTheOrgsMetrics() {
        String token = Users.token(Users.of("mid", "org-data-live"));
        stack.provider().answers("small", "Spend is flat this week.");
        assertThat(Http.post(stack.gateway() + "/api/v1/chat", token, "{\"message\":\"How is my spend?\"}").status())
                .isEqualTo(200);
        Instant now = Instant.now();
        String query = metricsQuery("\"tokens\"", now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.HOURS), "PT2H");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Http.Reply reply = metrics(token, query);
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            BigDecimal[] tokens = totals(reply.json(), "tokens");
            // The stand-in reports 21 prompt + 9 completion tokens for every call.
            assertThat(tokens[1]).isGreaterThanOrEqualTo(BigDecimal.ONE);
            assertThat(tokens[0]).isEqualByComparingTo(tokens[1].multiply(BigDecimal.valueOf(30)));
        });
    }

    @Test
    void bulkIngestedCallsAreQueriedBackExactlyAndAReplayStoresNothingTwice() {
        String token = Users.token(Users.of("mid", "org-data-bulk"));
        Instant hour = Instant.parse("2026-11-20T10:00:00Z");
        String batch = """
                {"calls":[
                 {"id":"%1$s-1","request_id":"r1","model":"small","provider":"openai-compatible","prompt_tokens":100,"completion_tokens":50,"cost_usd":0.000045,"latency_ms":300,"outcome":"success","created_at":"2026-11-20T10:05:00Z"},
                 {"id":"%1$s-2","request_id":"r2","model":"small","provider":"openai-compatible","prompt_tokens":200,"completion_tokens":20,"cost_usd":0.000042,"latency_ms":500,"outcome":"success","created_at":"2026-11-20T10:15:00Z"},
                 {"id":"%1$s-3","request_id":"r3","model":"large","provider":"openai-compatible","prompt_tokens":40,"completion_tokens":160,"cost_usd":0.0017,"latency_ms":900,"outcome":"success","created_at":"2026-11-20T10:25:00Z"},
                 {"id":"%1$s-4","request_id":"r4","model":"large","provider":"openai-compatible","prompt_tokens":10,"completion_tokens":0,"cost_usd":0.000025,"latency_ms":2000,"outcome":"timeout","created_at":"2026-11-20T10:35:00Z"}
                ]}""".formatted(UUID.randomUUID());

        Http.Reply stored = Http.post(stack.gateway() + "/api/v1/usage", token, batch);
        Http.Reply replayed = Http.post(stack.gateway() + "/api/v1/usage", token, batch);
        Http.Reply reply = metrics(token, metricsQuery("\"tokens\",\"cost_usd\"", hour, hour.plus(1, ChronoUnit.HOURS), "PT1H"));

        assertThat(stored.status()).as(stored.body()).isEqualTo(201);
        assertThat(stored.json().path("stored").asInt()).isEqualTo(4);
        assertThat(replayed.status()).as(replayed.body()).isIn(200, 201);
        assertThat(replayed.json().path("stored").asInt()).isZero();
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(totals(reply.json(), "tokens")[0]).isEqualByComparingTo("580");
        assertThat(totals(reply.json(), "tokens")[1]).isEqualByComparingTo("4");
        assertThat(totals(reply.json(), "cost_usd")[0]).isEqualByComparingTo("0.001812");
        assertThat(reply.json().path("source").path("kind").asText()).isEqualTo("primary");
    }

    @Test
    void anInvalidBatchIsRefusedWholeAndStoresNothing() {
        String token = Users.token(Users.of("mid", "org-data-invalid"));
        Instant hour = Instant.parse("2026-11-21T10:00:00Z");
        String batch = """
                {"calls":[
                 {"id":"%1$s-ok","request_id":"r1","model":"small","provider":"openai-compatible","prompt_tokens":100,"completion_tokens":50,"cost_usd":0.00001,"latency_ms":300,"outcome":"success","created_at":"2026-11-21T10:05:00Z"},
                 {"id":"%1$s-bad","request_id":"r2","model":"small","provider":"openai-compatible","prompt_tokens":-5,"completion_tokens":20,"cost_usd":0.00001,"latency_ms":500,"outcome":"success","created_at":"2026-11-21T10:15:00Z"}
                ]}""".formatted(UUID.randomUUID());

        Http.Reply refused = Http.post(stack.gateway() + "/api/v1/usage", token, batch);
        Http.Reply reply = metrics(token, metricsQuery("\"tokens\"", hour, hour.plus(1, ChronoUnit.HOURS), "PT1H"));

        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        assertThat(refused.json().path("error_type").asText()).isEqualTo("data_validation_failed");
        assertThat(refused.body()).contains("prompt_tokens");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(totals(reply.json(), "tokens")[1]).isEqualByComparingTo("0");
        assertThat(reply.json().path("empty_buckets")).hasSize(1);
    }

    @Test
    void withTheDatabaseDownUsersGetTheAgedCacheMarkedDegradedOrAnHonestProblem() {
        String token = Users.token(Users.of("mid", "org-data-outage"));
        Instant hour = Instant.parse("2026-11-22T10:00:00Z");
        Http.post(stack.gateway() + "/api/v1/usage", token, """
                {"calls":[{"id":"%s","request_id":"r1","model":"small","provider":"openai-compatible","prompt_tokens":70,"completion_tokens":30,"cost_usd":0.00003,"latency_ms":250,"outcome":"success","created_at":"2026-11-22T10:10:00Z"}]}"""
                .formatted(UUID.randomUUID()));
        String cached = metricsQuery("\"tokens\"", hour, hour.plus(1, ChronoUnit.HOURS), "PT1H");
        String neverAsked = metricsQuery("\"latency_ms\"", hour, hour.plus(2, ChronoUnit.HOURS), "PT1H");
        Http.Reply fresh = metrics(token, cached);
        assertThat(fresh.status()).as(fresh.body()).isEqualTo(200);

        stack.postgresDown();
        try {
            Http.Reply fromCache = metrics(token, cached);
            Http.Reply absent = metrics(token, neverAsked);

            assertThat(fromCache.status()).as(fromCache.body()).isEqualTo(200);
            JsonNode source = fromCache.json().path("source");
            assertThat(source.path("kind").asText()).isEqualTo("cache");
            assertThat(source.path("degraded").asBoolean()).isTrue();
            assertThat(source.path("freshness_seconds").asLong()).isGreaterThanOrEqualTo(0);
            assertThat(fromCache.json().path("series")).isEqualTo(fresh.json().path("series"));

            assertThat(absent.status()).as(absent.body()).isIn(503, 504);
            assertThat(absent.json().path("error_type").asText()).isIn("data_unavailable", "data_query_timeout");
            assertThat(absent.json().path("error_context").path("requested_metrics").toString()).contains("latency_ms");
            assertThat(absent.json().has("series")).isFalse();
        } finally {
            stack.postgresUp();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Http.Reply recovered = metrics(token, neverAsked);
            assertThat(recovered.status()).as(recovered.body()).isEqualTo(200);
            assertThat(recovered.json().path("source").path("kind").asText()).isEqualTo("primary");
        });
    }
}
