package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.local.ServiceProcess;
import dev.verity.local.TestUser;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The four services start from their packaged runners and tell the truth about themselves. */
class StackStartsTest {

    private static VerityStack stack;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
    }

    @Test
    void everyServiceIsReadyAndReportsItsCapabilityStatus() {
        for (ServiceProcess service : stack.services().values()) {
            Http.Reply ready = Http.get(service.url() + "/q/health/ready", null);
            assertThat(ready.status()).as(service.name()).isEqualTo(200);
            Http.Reply status = Http.get(service.url() + "/v1/status", null);
            assertThat(status.status()).as(service.name()).isEqualTo(200);
            assertThat(status.json().path("status").asText()).as(service.name())
                    .isIn("initializing", "ready", "degraded", "unavailable");
        }
    }

    @Test
    void theGatewayRefusesAnonymousCallersWithAProblem() {
        Http.Reply reply = Http.post(stack.gateway() + "/api/v1/chat", null, "{\"message\":\"hi\"}");

        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.header("Content-Type")).startsWith("application/problem+json");
        assertThat(reply.json().path("error_type").asText()).isEqualTo("unauthenticated");
    }

    @Test
    void aTamperedTokenIsRefusedByEveryService() {
        String tampered = stack.tokens().tampered(TestUser.of("e2e-free", "org-e2e", "free"));
        Map<String, String> protectedRoutes = Map.of(
                VerityStack.CASCADE, "/v1/chat/completions",
                VerityStack.DATA, "/v1/metrics/query",
                VerityStack.AGENT, "/v1/runs",
                VerityStack.GATEWAY, "/api/v1/chat");
        protectedRoutes.forEach((service, route) -> {
            Http.Reply reply = Http.post(stack.service(service).url() + route, tampered, "{\"message\":\"hi\"}");
            assertThat(reply.status()).as(service + route).isEqualTo(401);
            assertThat(reply.json().path("error_type").asText()).as(service + route).isEqualTo("unauthenticated");
        });
    }
}
