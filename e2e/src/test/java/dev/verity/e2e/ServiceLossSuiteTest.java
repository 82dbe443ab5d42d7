package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.verity.local.ServiceProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Suite 5 of the test plan: a service dies under load. Every in-flight request ends within its
 * deadline with a real answer or a clean problem, nothing hangs, status says what happened, and
 * after a restart everything recovers without intervention.
 */
class ServiceLossSuiteTest {

    private static final String ANSWER = "Three models served your traffic today.";
    private static VerityStack stack;
    private static String token;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
        token = Users.token(Users.of("early", "org-loss"));
    }

    @BeforeEach
    void healthyProvider() {
        stack.provider().reset();
        stack.provider().answers("small", ANSWER);
    }

    private static String statusOf(String service) {
        return Http.get(stack.gateway() + "/api/v1/status", null).json()
                .path("services").path(service).path("status").asText();
    }

    private static Http.Reply chat() {
        return Http.post(stack.gateway() + "/api/v1/chat", token, "{\"message\":\"Which models served me?\"}",
                Http.deadlineIn(Duration.ofSeconds(10)));
    }

    @Test
    void aDeadCascadeIsReportedAndRefusedAtOnceThenRecoversAfterRestart() {
        ServiceProcess cascade = stack.service(VerityStack.CASCADE);
        cascade.kill();
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> "unavailable".equals(statusOf("llm-cascade")));
            int before = stack.provider().requestsTo("small");

            Http.Reply refused = chat();

            assertThat(refused.status()).as(refused.body()).isEqualTo(503);
            assertThat(refused.json().path("error_type").asText()).isEqualTo("service_unavailable");
            assertThat(refused.header("Retry-After")).isNotBlank();
            assertThat(stack.provider().requestsTo("small")).isEqualTo(before);
        } finally {
            cascade.start().awaitReady(Duration.ofMinutes(2));
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Http.Reply answered = chat();
            assertThat(answered.status()).as(answered.body()).isEqualTo(200);
            assertThat(answered.json().path("response").asText()).isEqualTo(ANSWER);
        });
        assertThat(statusOf("llm-cascade")).isIn("ready", "degraded");
    }

    @Test
    void inFlightRunsEndWithinTheirDeadlineWhenTheAgentDies() throws Exception {
        stack.provider().delays("small", 1_500, ANSWER);
        ServiceProcess agent = stack.service(VerityStack.AGENT);
        List<CompletableFuture<Http.Reply>> inFlight = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            inFlight.add(CompletableFuture.supplyAsync(ServiceLossSuiteTest::chat));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> stack.provider().requestsTo("small") > 0);
        agent.kill();
        try {
            for (CompletableFuture<Http.Reply> request : inFlight) {
                Http.Reply reply = request.get(15, TimeUnit.SECONDS);
                // Either the agent answered before it died, or the user got a clean problem.
                if (reply.status() == 200) {
                    assertThat(reply.json().path("response").asText()).isEqualTo(ANSWER);
                } else {
                    assertThat(reply.json().path("error_type").asText())
                            .isIn("service_unavailable", "agent_timeout", "overloaded");
                }
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        } finally {
            agent.start().awaitReady(Duration.ofMinutes(2));
        }
        stack.provider().answers("small", ANSWER);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(chat().status()).isEqualTo(200));
    }
}
