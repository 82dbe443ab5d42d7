package dev.verity.contract;

import static dev.verity.contract.JsonShapes.fieldNames;
import static dev.verity.contract.JsonShapes.tree;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventAndStatusShapeTest {

    private static final Instant AT = Instant.parse("2026-11-25T10:00:00Z");

    @Test
    void eventEnvelopeHasTheDesignFields() {
        Event event = new Event(EventType.TOOL_EXECUTING, "01J", "req-1", "u-1", AT, Services.EXECUTION_AGENT, null,
                Map.of("tool", "query_metrics"));

        JsonNode json = tree(event);

        assertThat(fieldNames(json)).containsExactly("type", "event_id", "request_id", "user_id", "timestamp",
                "service", "data");
        assertThat(json.get("type").asText()).isEqualTo("tool_executing");
        assertThat(json.get("timestamp").asText()).isEqualTo("2026-11-25T10:00:00Z");
        assertThat(json.get("data").get("tool").asText()).isEqualTo("query_metrics");
    }

    @Test
    void clientReferenceIsCarriedWhenARunWasStartedOverASocket() {
        Event event = new Event(EventType.AGENT_STARTED, null, "req-1", "u-1", AT, Services.EXECUTION_AGENT, null, null)
                .withClientRef("c-7");

        assertThat(tree(event).get("client_ref").asText()).isEqualTo("c-7");
        assertThat(tree(event).get("data").size()).isZero();
    }

    @Test
    void exactlyTwoEventTypesAreTerminal() {
        assertThat(Arrays.stream(EventType.values()).filter(EventType::isTerminal))
                .containsExactlyInAnyOrder(EventType.AGENT_COMPLETED, EventType.AGENT_FAILED);
    }

    @Test
    void serviceStatusHasTheDesignShapeWithSortedComponents() {
        ServiceStatus status = new ServiceStatus(Services.LLM_CASCADE, ServiceState.UNAVAILABLE,
                "no provider configured", AT,
                Map.of("redis", ComponentStatus.up(), "postgres", ComponentStatus.down("connection refused")));

        JsonNode json = tree(status);

        assertThat(fieldNames(json)).containsExactly("service", "status", "reason", "since", "components");
        assertThat(json.get("status").asText()).isEqualTo("unavailable");
        assertThat(fieldNames(json.get("components"))).containsExactly("postgres", "redis");
        assertThat(json.get("components").get("redis").toString()).isEqualTo("{\"state\":\"up\"}");
    }

    @Test
    void userContextUsesSnakeCaseAndOmitsAbsentManager() {
        JsonNode json = tree(new UserContext("u-1", "org-1", Tier.ENTERPRISE, "a@b.c", null));

        assertThat(json.toString()).isEqualTo(
                "{\"user_id\":\"u-1\",\"org_id\":\"org-1\",\"tier\":\"enterprise\",\"email\":\"a@b.c\"}");
        assertThat(Tier.fromWire("enterprise")).contains(Tier.ENTERPRISE);
        assertThat(Tier.fromWire("platinum")).isEmpty();
    }
}
