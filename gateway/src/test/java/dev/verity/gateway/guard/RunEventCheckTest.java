package dev.verity.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.receipt.Base64Url;
import dev.verity.contract.receipt.ReceiptMac;
import dev.verity.gateway.TestReceipts;
import dev.verity.local.ReceiptKeys;
import dev.verity.runtime.receipts.AnswerParts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The socket guard's verdict on one event, whatever path brought it: delivered without its MAC, or replaced. */
class RunEventCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final ReceiptKeys KEYS = ReceiptKeys.generate("unit-ws");
    private static final String ANSWER = "Costs fell by 4 percent.";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ReceiptCheck receipts = new ReceiptCheck(new ReceiptMac(List.of(Base64Url.decode(KEYS.macKey()))));
    private final RunEventCheck check = new RunEventCheck(receipts, registry, JSON);

    private static Map<String, Object> signedData(String response) throws Exception {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("response", response);
        data.put("provenance", JSON.readValue(TestReceipts.sign(TestReceipts.signer(KEYS), TestReceipts.PROVENANCE, ANSWER,
                List.of()), Map.class));
        return data;
    }

    private static Event completed(String eventId, Map<String, Object> data) {
        return new Event(EventType.AGENT_COMPLETED, eventId, "req-1", "u-1", Instant.parse("2026-11-25T07:00:00Z"),
                Services.EXECUTION_AGENT, "ref-1", data);
    }

    private double violations() {
        var counter = registry.find("verity.authenticity.violations").tag("route", RunEventCheck.ROUTE_TAG).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void eventsThatCarryNoAnswerPassUnchanged() {
        Event started = new Event(EventType.AGENT_STARTED, "1-0", "req-1", "u-1", Instant.now(), Services.EXECUTION_AGENT,
                null, Map.of("max_steps", 4));
        Event thinking = new Event(EventType.AGENT_THINKING, "1-1", "req-1", "u-1", Instant.now(), Services.EXECUTION_AGENT,
                null, Map.of("delta", "Costs fell"));

        assertThat(check.deliverable(started)).isSameAs(started);
        assertThat(check.deliverable(thinking)).isSameAs(thinking);
        assertThat(violations()).isZero();
    }

    @Test
    void aCoveredAnswerKeepsEverythingButTheMac() throws Exception {
        Event event = completed("2-0", signedData(ANSWER));

        Event delivered = check.deliverable(event);

        assertThat(delivered.type()).isEqualTo(EventType.AGENT_COMPLETED);
        assertThat(delivered.eventId()).isEqualTo("2-0");
        assertThat(delivered.clientRef()).isEqualTo("ref-1");
        JsonNode provenance = JSON.valueToTree(delivered.data().get("provenance"));
        assertThat(provenance.has("receipt_mac")).isFalse();
        assertThat(provenance.path("receipt").asText()).isEqualTo(((Map<?, ?>) event.data().get("provenance")).get("receipt"));
        // The event other sockets get is not changed under them.
        assertThat(((Map<?, ?>) event.data().get("provenance")).containsKey("receipt_mac")).isTrue();
        assertThat(violations()).isZero();
    }

    @Test
    void aChangedAnswerBecomesOneAgentFailedUnderTheSameIdCountedOnceHoweverOftenItComes() throws Exception {
        Map<String, Object> data = signedData(ANSWER);
        data.put("response", ANSWER.replace("4 percent", "5 percent"));
        Event event = completed("3-0", data);

        Event first = check.deliverable(event);
        Event again = check.deliverable(event);

        assertThat(first.type()).isEqualTo(EventType.AGENT_FAILED);
        assertThat(first.eventId()).isEqualTo("3-0");
        assertThat(first.timestamp()).isEqualTo(event.timestamp());
        assertThat(first.service()).isEqualTo(Services.GATEWAY);
        assertThat(first.data()).doesNotContainKey("response");
        assertThat(((Problem) first.data().get("problem")).errorType().wire()).isEqualTo("authenticity_violation");
        assertThat(again).isEqualTo(first);
        assertThat(violations()).isEqualTo(1);
    }

    @Test
    void anAnswerWithoutProvenanceOrWithAForeignMacIsWithheld() throws Exception {
        ReceiptKeys stranger = ReceiptKeys.generate("stranger");
        Map<String, Object> foreign = new LinkedHashMap<>();
        foreign.put("response", ANSWER);
        foreign.put("provenance", JSON.readValue(TestReceipts.sign(TestReceipts.signer(stranger), TestReceipts.PROVENANCE,
                ANSWER, List.of()), Map.class));

        assertThat(check.deliverable(completed("4-0", Map.of("response", ANSWER))).type()).isEqualTo(EventType.AGENT_FAILED);
        assertThat(check.deliverable(completed("4-1", foreign)).type()).isEqualTo(EventType.AGENT_FAILED);
        assertThat(violations()).isEqualTo(2);
    }

    @Test
    void aCheckThatCannotRunWithholdsTheAnswerInsteadOfLosingTheRunsEnd() throws Exception {
        ReceiptCheck broken = new ReceiptCheck(new ReceiptMac(List.of(Base64Url.decode(KEYS.macKey())))) {
            @Override
            public Optional<String> answer(JsonNode provenance, AnswerParts parts) {
                throw new IllegalStateException("verity.receipts.mac-keys is not configured");
            }
        };

        Event delivered = new RunEventCheck(broken, registry, JSON).deliverable(completed("5-0", signedData(ANSWER)));

        assertThat(delivered.type()).isEqualTo(EventType.AGENT_FAILED);
        assertThat(delivered.type().isTerminal()).isTrue();
        assertThat(JSON.writeValueAsString(delivered)).doesNotContain("mac-keys", ANSWER);
        assertThat(violations()).isEqualTo(1);
    }
}
