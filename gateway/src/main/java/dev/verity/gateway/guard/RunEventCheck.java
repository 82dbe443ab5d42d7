package dev.verity.gateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import dev.verity.runtime.receipts.AnswerParts;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The guard of the WebSocket: every event passes here before it reaches a socket, whichever way it
 * came (a run on this replica, another replica through Redis, a resume replay). An
 * {@code agent_completed} is the model's answer, so it is held to its receipt exactly as
 * {@code /api/v1/chat} is ({@link ReceiptCheck}): when the receipt covers {@code response} the event
 * goes out with {@code receipt_mac} removed; otherwise it is replaced by an {@code agent_failed}
 * with {@code authenticity_violation} under the same {@code event_id}, so every path and every
 * replay of that event ends the run the same way, with exactly one terminal event. Events that
 * carry no answer pass unchanged.
 */
@ApplicationScoped
public class RunEventCheck {

    /** The {@code route} tag of {@code verity_authenticity_violations_total} for answers bound for sockets. */
    public static final String ROUTE_TAG = "events";
    private static final int REMEMBERED = 10_000;

    private final ReceiptCheck receipts;
    private final MeterRegistry registry;
    private final ObjectMapper json;
    /**
     * Withheld events already counted: the same logged event reaches a replica by its run stream and
     * by Redis, and again on every resume; it is one violation, not three.
     */
    private final Set<String> counted = new LinkedHashSet<>();

    public RunEventCheck(ReceiptCheck receipts, MeterRegistry registry, ObjectMapper json) {
        this.receipts = receipts;
        this.registry = registry;
        this.json = json;
    }

    /** The event as it may reach a socket. */
    public Event deliverable(Event event) {
        if (event.type() != EventType.AGENT_COMPLETED) {
            return event;
        }
        Object response = event.data().get("response");
        JsonNode provenance;
        Optional<String> violation;
        try {
            provenance = json.valueToTree(event.data().get("provenance"));
            violation = provenance.isObject()
                    ? receipts.answer(provenance, new AnswerParts(response instanceof String text ? text : "", null, List.of()))
                    : Optional.of("no provenance");
        } catch (RuntimeException e) {
            // A check that cannot run (no MAC secret configured, say) verifies nothing: withheld, and the run still ends.
            return withheld(event, "receipt not checked: " + e.getMessage());
        }
        if (violation.isEmpty()) {
            Map<String, Object> data = new LinkedHashMap<>(event.data());
            data.put("provenance", json.convertValue(provenance, Map.class));
            return new Event(event.type(), event.eventId(), event.requestId(), event.userId(), event.timestamp(),
                    event.service(), event.clientRef(), data);
        }
        return withheld(event, violation.get());
    }

    private Event withheld(Event event, String violation) {
        if (firstTime(event)) {
            AuthenticityGuard.violations(registry, ROUTE_TAG).increment();
            Log.errorf("authenticity violation, request %s, event %s of user %s: %s; agent_completed withheld",
                    event.requestId(), event.eventId(), event.userId(), violation);
        }
        Problem problem = Problem.of(ErrorType.AUTHENTICITY_VIOLATION,
                "The answer could not be verified as real model output and was withheld. "
                        + "The incident is logged under this request id.",
                Services.GATEWAY, new UserContext(event.userId(), null, null, null, null), event.requestId());
        // Same id and time as the event it replaces: a replay or a second path yields the identical terminal event.
        return new Event(EventType.AGENT_FAILED, event.eventId(), event.requestId(), event.userId(), event.timestamp(),
                Services.GATEWAY, event.clientRef(), Map.of("problem", problem));
    }

    private synchronized boolean firstTime(Event event) {
        if (event.eventId() == null) {
            return true;
        }
        boolean added = counted.add(event.userId() + '|' + event.eventId());
        if (counted.size() > REMEMBERED) {
            counted.remove(counted.iterator().next());
        }
        return added;
    }
}
