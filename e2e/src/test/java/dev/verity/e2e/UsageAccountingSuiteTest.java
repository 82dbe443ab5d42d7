package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.e2e.VerityStack.Price;
import dev.verity.local.TestUser;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Usage accounting is exact: every provider call the stand-in received is one row of
 * {@code llm_calls} with its exact cost, through a failing model, a PostgreSQL outage, a Redis restart
 * and a cascade stopped under load; what the data agent cannot store is counted and makes every
 * result over its window say it is incomplete.
 */
class UsageAccountingSuiteTest {

    private static final String USAGE = "verity:usage";
    private static final String DEAD = "verity:usage:dead";
    private static final String SERVER_ERROR = "{\"error\":{\"message\":\"internal\",\"type\":\"server_error\"}}";
    private static final String ANSWER = "Most of your spend went to the large model.";
    private static VerityStack stack;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
    }

    @BeforeEach
    void freshProvider() {
        stack.provider().reset();
    }

    @AfterEach
    void modelsServeAgain() {
        stack.awaitModelsServe();
    }

    private static Http.Reply completion(String token) {
        return Http.post(stack.gateway() + "/v1/chat/completions", token, """
                {"model":"auto","messages":[{"role":"user","content":"What did my calls cost?"}]}""");
    }

    /** {@code total} OpenAI calls from {@code clients} concurrent clients; every one must be answered. */
    private static void calls(String token, int total, int clients) throws Exception {
        AtomicInteger left = new AtomicInteger(total);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                results.add(pool.submit(() -> {
                    List<String> failures = new ArrayList<>();
                    while (left.getAndDecrement() > 0) {
                        Http.Reply reply = completion(token);
                        if (reply.status() != 200) {
                            failures.add(reply.status() + " " + reply.body());
                        }
                    }
                    return failures;
                }));
            }
            for (Future<List<String>> result : results) {
                assertThat(result.get()).as("calls answered with something other than 200").isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private int providerRequests() {
        return stack.provider().requestsTo("small") + stack.provider().requestsTo("large");
    }

    private static long rows(String org) {
        return stack.count("SELECT count(*) FROM telemetry.llm_calls WHERE org_id = ?", org);
    }

    private static long deadLetters() {
        return (Long) Resp.call(stack.redis(), "XLEN", DEAD);
    }

    @Test
    void threeHundredCallsAreThreeHundredExactRowsEvenWhileOneModelFails() throws Exception {
        TestUser user = Users.of("mid", Users.freshOrg("org-usage-exact"));
        String token = Users.token(user);
        long deadBefore = deadLetters();
        stack.provider().answers("small", ANSWER);
        stack.provider().answers("large", ANSWER);

        calls(token, 200, 8);
        // A third of the calls while the cheap model fails: the cascade retries it, then the large one answers.
        stack.provider().failsWith("small", 500, SERVER_ERROR);
        calls(token, 100, 8);

        int received = providerRequests();
        await().atMost(Duration.ofSeconds(60)).until(() -> rows(user.orgId()) >= received);
        assertThat(rows(user.orgId())).as("rows for the org == requests the provider received").isEqualTo(received);
        assertThat(stack.provider().requestsTo("large")).isGreaterThanOrEqualTo(100);
        assertThat(stack.count("SELECT count(*) FROM telemetry.llm_calls WHERE org_id = ? AND outcome = 'success'",
                user.orgId())).isEqualTo(300);
        // Each success's cost is tokens × the configured price to the last digit, compared as numeric in SQL.
        long exact = 0;
        for (Map.Entry<String, Price> price : stack.prices().entrySet()) {
            exact += stack.count("""
                    SELECT count(*) FROM telemetry.llm_calls
                    WHERE org_id = ? AND model = ? AND outcome = 'success'
                      AND cost_usd = (prompt_tokens * ?::numeric + completion_tokens * ?::numeric) / 1000000
                      AND scale(cost_usd) = 12""",
                    user.orgId(), price.getKey(), price.getValue().inputUsdPerMtok().toPlainString(),
                    price.getValue().outputUsdPerMtok().toPlainString());
        }
        assertThat(exact).as("successes whose cost_usd is exact").isEqualTo(300);
        assertThat(stack.count("SELECT count(*) FROM telemetry.llm_calls WHERE org_id = ? AND outcome <> 'success' "
                + "AND cost_usd IS NOT NULL", user.orgId())).as("failed calls carry no cost").isZero();
        assertThat(stack.count("SELECT count(*) FROM telemetry.usage_rejections WHERE org_id = ?", user.orgId())).isZero();
        assertThat(deadLetters()).as("dead letters").isEqualTo(deadBefore);

        Instant now = Instant.now();
        Http.Reply metrics = Http.post(stack.gateway() + "/api/v1/metrics/query", token,
                "{\"metrics\":[\"cost_usd\"],\"from\":\"%s\",\"to\":\"%s\",\"bucket\":\"PT2H\"}"
                        .formatted(now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.HOURS)));
        assertThat(metrics.status()).as(metrics.body()).isEqualTo(200);
        assertThat(metrics.json().at("/coverage/calls_recorded").asLong()).isEqualTo(received);
        assertThat(metrics.json().at("/coverage/calls_rejected").asLong()).isZero();
        assertThat(metrics.json().path("degraded").asBoolean()).isFalse();
    }

    @Test
    void aThirtySecondDatabaseOutageUnderLoadLosesNoUsageEventAndStoresNoneTwice() throws Exception {
        TestUser user = Users.of("mid", Users.freshOrg("org-usage-outage"));
        stack.provider().answers("small", ANSWER);
        Load load = Load.start(Users.token(user), 4);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> rows(user.orgId()) >= 20);

            stack.postgresDown();
            Instant down = Instant.now();
            int answeredAtDown = load.answered();
            try {
                // Events keep coming and wait, unacknowledged, in the stream while the database is away.
                await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofSeconds(1)).until(() ->
                        pendingUsageEntries() > 0 && load.answered() > answeredAtDown + 20
                                && Duration.between(down, Instant.now()).compareTo(Duration.ofSeconds(30)) >= 0);
            } finally {
                stack.postgresUp();
            }
            int answeredAtUp = load.answered();
            await().atMost(Duration.ofSeconds(30)).until(() -> load.answered() > answeredAtUp + 20);
        } finally {
            load.stop();
        }

        assertThat(load.violations()).as("bodies the scanner refused").isEmpty();
        assertThat(load.refused()).as("calls refused during the outage (the cascade does not need PostgreSQL)").isEmpty();
        assertEveryProviderCallStoredOnce(user.orgId());
    }

    @Test
    void aRedisRestartUnderLoadLosesNoUsageEventAndStoresNoneTwice() throws Exception {
        TestUser user = Users.of("mid", Users.freshOrg("org-usage-redis"));
        stack.provider().answers("small", ANSWER);
        Load load = Load.start(Users.token(user), 4);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> rows(user.orgId()) >= 20);
            stack.redisDown();
            int answeredAtDown = load.answered();
            try {
                // Calls go on being answered: the cascade holds their usage events until Redis is back.
                await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(500))
                        .until(() -> load.answered() > answeredAtDown + 20);
            } finally {
                stack.redisUp();
            }
            int answeredAtUp = load.answered();
            await().atMost(Duration.ofSeconds(45)).until(() -> load.answered() > answeredAtUp + 20);
        } finally {
            load.stop();
        }

        assertThat(load.violations()).as("bodies the scanner refused").isEmpty();
        // Calls refused while Redis was away are allowed (and say so); a call the provider answered is one row.
        assertEveryProviderCallStoredOnce(user.orgId());
    }

    /** Every request the provider received is one row of the org, none twice, none rejected, none left pending. */
    private void assertEveryProviderCallStoredOnce(String org) {
        int received = providerRequests();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> rows(org) >= received);
        assertThat(rows(org)).as("rows for the org == requests the provider received").isEqualTo(received);
        assertThat(stack.count("""
                SELECT count(*) FROM (SELECT request_id FROM telemetry.llm_calls WHERE org_id = ?
                                      GROUP BY request_id HAVING count(*) > 1) AS twice""", org))
                .as("requests stored more than once").isZero();
        assertThat(stack.count("SELECT count(*) FROM telemetry.usage_rejections WHERE org_id = ?", org)).isZero();
        await().atMost(Duration.ofSeconds(60)).until(() -> pendingUsageEntries() == 0);
    }

    @Test
    void aMetricsWindowHoldingARejectedEventSaysItIsIncomplete() {
        TestUser user = Users.of("mid", Users.freshOrg("org-usage-rejected"));
        String token = Users.token(user);
        String data = stack.service(VerityStack.DATA).url();
        stack.provider().answers("small", ANSWER);
        assertThat(completion(token).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> rows(user.orgId()) == 1);
        String eventId = "e2e-broken-" + UUID.randomUUID();
        Resp.call(stack.redis(), "XADD", USAGE, "*", "event", """
                {"event_id":"%s","org_id":"%s","model":"small","provider":"openai-compatible","cost_usd":-1,
                 "latency_ms":5,"outcome":"success","created_at":"%s"}""".formatted(eventId, user.orgId(), Instant.now()));
        Instant now = Instant.now();
        String window = "{\"metrics\":[\"cost_usd\",\"latency_ms\"],\"from\":\"%s\",\"to\":\"%s\",\"bucket\":\"PT2H\"}"
                .formatted(now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.HOURS));
        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Http.Reply metrics = Http.post(stack.gateway() + "/api/v1/metrics/query", token, window);
                assertThat(metrics.status()).as(metrics.body()).isEqualTo(200);
                JsonNode result = metrics.json();
                assertThat(result.at("/coverage/calls_recorded").asLong()).isEqualTo(1);
                assertThat(result.at("/coverage/calls_rejected").asLong()).isGreaterThanOrEqualTo(1);
                assertThat(result.path("degraded").asBoolean()).isTrue();
            });
            Http.Reply cost = Http.post(stack.gateway() + "/api/v1/cost-analysis", token,
                    "{\"from\":\"%s\",\"to\":\"%s\"}".formatted(now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.HOURS)));
            assertThat(cost.json().at("/coverage/calls_rejected").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(cost.json().path("degraded").asBoolean()).isTrue();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode status = Http.get(data + "/v1/status", null).json();
                assertThat(status.path("status").asText()).isEqualTo("degraded");
                assertThat(status.path("reason").asText()).contains("usage event(s) rejected in the last hour");
            });

            // An operator re-drives: the event is still invalid, so it stays rejected and the report says why.
            String operator = stack.tokens().withGroups(Users.of("enterprise", "org-ops"), "operator");
            Http.Reply refused = Http.post(data + "/v1/usage/dead-letters/redrive", token, "");
            assertThat(refused.status()).isEqualTo(403);
            Http.Reply redrive = Http.post(data + "/v1/usage/dead-letters/redrive", operator, "");
            assertThat(redrive.status()).as(redrive.body()).isEqualTo(200);
            assertThat(redrive.json().path("still_rejected").findValuesAsText("event_id")).contains(eventId);
            assertThat(redrive.json().path("still_rejected").toString()).contains("cost_usd");
            assertThat(rows(user.orgId())).isEqualTo(1);
        } finally {
            // Test data taken back: the suites after this one expect a ready data agent.
            stack.execute("DELETE FROM telemetry.usage_rejections WHERE org_id = ?", user.orgId());
        }
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "ready".equals(Http.get(data + "/v1/status", null).json().path("status").asText()));
    }

    @Test
    void aCascadeStoppedWithSigtermUnderLoadLeavesOneRowPerProviderCall() throws Exception {
        TestUser user = Users.of("mid", Users.freshOrg("org-usage-sigterm"));
        String token = Users.token(user);
        stack.provider().answers("small", ANSWER);
        Load load = Load.start(token, 4);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> load.answered() >= 20);
            dev.verity.local.ServiceProcess cascade = stack.service(VerityStack.CASCADE);
            // SIGTERM: the cascade drains its in-flight calls, each of which writes its usage event.
            cascade.stop(Duration.ofSeconds(30));
            int answeredWhileDown = load.answered();
            cascade.start().awaitReady(Duration.ofMinutes(2));
            await().atMost(Duration.ofSeconds(60)).until(() -> load.answered() > answeredWhileDown + 20);
        } finally {
            load.stop();
        }

        assertThat(load.violations()).as("bodies the scanner refused").isEmpty();
        int received = providerRequests();
        await().atMost(Duration.ofSeconds(60)).until(() -> rows(user.orgId()) >= received);
        assertThat(rows(user.orgId())).as("rows for the org == requests the provider received").isEqualTo(received);
        assertThat(stack.count("SELECT count(*) FROM telemetry.usage_rejections WHERE org_id = ?", user.orgId())).isZero();
    }

    @Test
    void aCascadeStoppedWhileRedisIsAwayWritesTheEventsItHoldsBeforeItExits() throws Exception {
        TestUser user = Users.of("mid", Users.freshOrg("org-usage-held"));
        String token = Users.token(user);
        stack.provider().answers("small", ANSWER);
        dev.verity.local.ServiceProcess cascade = stack.service(VerityStack.CASCADE);
        String direct = cascade.url() + "/v1/chat/completions";
        String body = "{\"model\":\"small\",\"fallback\":\"deny\",\"messages\":[{\"role\":\"user\",\"content\":\"cost?\"}]}";
        ExecutorService stopper = Executors.newSingleThreadExecutor();
        // The log is appended to across restarts: only what this stop writes counts.
        long logBefore = java.nio.file.Files.size(cascade.logFile());
        String stopLog;
        try {
            stack.redisDown();
            Future<?> stopped;
            try {
                // Answered with Redis away: the call's usage event waits in the cascade's memory.
                Http.Reply answered = Http.post(direct, token, body);
                assertThat(answered.status()).as(answered.body()).isEqualTo(200);
                // SIGTERM with nothing in flight: the drain is over at once, and the event is all it holds.
                stopped = stopper.submit(() -> cascade.stop(Duration.ofSeconds(30)));
            } finally {
                stack.redisUp();
            }
            stopped.get(60, java.util.concurrent.TimeUnit.SECONDS);
            String log = java.nio.file.Files.readString(cascade.logFile());
            stopLog = log.substring((int) Math.min(logBefore, log.length()));
        } finally {
            stopper.shutdownNow();
            if (!cascade.isAlive()) {
                cascade.start().awaitReady(Duration.ofMinutes(2));
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> rows(user.orgId()) >= 1);
        assertThat(rows(user.orgId())).as("the provider's one call is one row").isEqualTo(providerRequests()).isEqualTo(1);
        assertThat(stopLog).as("the cascade says it wrote what it held").contains("usage events all written to Redis before stopping");
    }

    /** Concurrent clients sending completions until stopped; refusals while a service is away are expected. */
    private record Load(ExecutorService pool, AtomicBoolean stopped, AtomicInteger ok, List<String> bad,
                        List<String> notOk) {

        static Load start(String token, int clients) {
            Load load = new Load(Executors.newFixedThreadPool(clients), new AtomicBoolean(), new AtomicInteger(),
                    java.util.Collections.synchronizedList(new ArrayList<>()),
                    java.util.Collections.synchronizedList(new ArrayList<>()));
            for (int c = 0; c < clients; c++) {
                load.pool.submit(() -> {
                    while (!load.stopped.get()) {
                        try {
                            Http.Reply reply = completion(token);
                            if (reply.status() == 200) {
                                load.ok.incrementAndGet();
                            } else {
                                load.notOk.add(reply.status() + " " + reply.body());
                            }
                        } catch (AssertionError violation) {
                            load.bad.add(violation.getMessage());
                        }
                    }
                });
            }
            return load;
        }

        int answered() {
            return ok.get();
        }

        List<String> violations() {
            return List.copyOf(bad);
        }

        /** Calls answered with something other than 200, with their bodies. */
        List<String> refused() {
            return List.copyOf(notOk);
        }

        void stop() throws InterruptedException {
            stopped.set(true);
            pool.shutdown();
            assertThat(pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
    }

    private static long pendingUsageEntries() {
        Object reply = Resp.call(stack.redis(), "XPENDING", USAGE, "data-agent");
        return reply instanceof List<?> summary && !summary.isEmpty() ? (Long) summary.getFirst() : 0;
    }
}
