package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.local.ServiceProcess;
import dev.verity.local.TestUser;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What connected users are told when a service really goes away and comes back, and when the
 * provider fails during a run. Needs the merged system: the gateway's status tracker
 * firing {@code ServiceTransition}, the agent streaming and logging run events.
 */
class ServiceEventsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static VerityStack stack;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
    }

    @Test
    void killingTheCascadeIsAnnouncedAndSoIsItsReturn() {
        TestUser user = TestUser.of("e2e-outage", "org-e2e", "free");
        try (EventStream socket = EventStream.open(stack.gateway(), stack.tokens().mint(user))) {
            ServiceProcess cascade = stack.service(VerityStack.CASCADE);
            cascade.kill();
            // The gateway polls every second in this stack (VERITY_STATUS_REFRESH_INTERVAL=1s).
            await().atMost(Duration.ofSeconds(10)).until(() -> socket.ofType("service_unavailable").stream()
                    .anyMatch(e -> e.path("data").path("service").asText().equals("llm-cascade")));
            JsonNode down = socket.ofType("service_unavailable").stream()
                    .filter(e -> e.path("data").path("service").asText().equals("llm-cascade")).findFirst().orElseThrow();
            assertThat(down.path("data").path("impact").asText()).isNotBlank();
            assertThat(down.path("data").path("alternatives").isArray()).isTrue();

            cascade.start().awaitReady(Duration.ofMinutes(2));
            await().atMost(WAIT).until(() -> socket.ofType("service_ready").stream()
                    .anyMatch(e -> e.path("data").path("service").asText().equals("llm-cascade")));
        }
    }

    @Test
    void aProviderFailureEndsTheRunWithAgentFailedAndNothingAfterIt() {
        stack.provider().failsWith("small", 500, "{\"error\":{\"message\":\"upstream exploded\"}}");
        stack.provider().failsWith("large", 500, "{\"error\":{\"message\":\"upstream exploded\"}}");
        TestUser user = TestUser.of("e2e-provider-fails", "org-e2e", "mid");
        try (EventStream socket = EventStream.open(stack.gateway(), stack.tokens().mint(user))) {
            socket.run("How fast were my calls today?", "ref-fail");
            await().atMost(WAIT).until(() -> !socket.ofType("agent_failed").isEmpty());
            String requestId = socket.ofType("agent_failed").getFirst().path("request_id").asText();
            // The user's log is the record of what the run emitted: replaying after the failure shows nothing of it.
            socket.resume(socket.ofType("agent_failed").getFirst().path("event_id").asText());
            await().atMost(WAIT).until(() -> !socket.ofType("resumed").isEmpty());
            List<String> types = EventStream.types(socket.ofRequest(requestId));
            List<String> after = types.subList(types.indexOf("agent_failed") + 1, types.size());
            assertThat(after).doesNotContain("agent_thinking", "tool_executing", "agent_completed", "agent_failed");
            assertThat(socket.frames.stream().map(f -> f.path("type").asText()))
                    .anyMatch(t -> t.startsWith("service_"));
            JsonNode problem = socket.ofType("agent_failed").getFirst().path("data").path("problem");
            assertThat(problem.path("retryable").asBoolean()).isTrue();
            assertThat(problem.toString()).doesNotContain("upstream exploded");
        } finally {
            stack.provider().answers("small", "Your calls averaged 812 ms today.");
            stack.provider().answers("large", "Your calls averaged 812 ms today.");
        }
    }
}
