package dev.verity.gateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.gateway.routing.StreamEvent;
import dev.verity.runtime.receipts.StreamedAnswer;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The authenticity guard's state over one streamed completion. Chunks are relayed as they come
 * (nothing is held back) and joined as a client joins them ({@link StreamedAnswer}); the final
 * chunk, the one with {@code provenance}, is let out only when its receipt covers everything
 * streamed before it, without the internal MAC. {@code [DONE]} only follows a verified final chunk.
 * An honest error event of the service passes as it is. Not thread-safe: one stream, one
 * subscriber, events in order.
 */
final class StreamWatch {

    /** Thrown when the stream must stop; the reason is for the log, never for the caller. */
    static final class Violation extends RuntimeException {
        Violation(String reason) {
            super(reason, null, false, false);
        }
    }

    private static final String DONE = "[DONE]";

    private final ReceiptCheck receipts;
    private final ObjectMapper json;
    private final Consumer<String> verifiedText;
    private final StreamedAnswer answer = new StreamedAnswer();
    private boolean verified;

    StreamWatch(ReceiptCheck receipts, ObjectMapper json, Consumer<String> verifiedText) {
        this.receipts = receipts;
        this.json = json;
        this.verifiedText = verifiedText;
    }

    /** What to relay for one upstream event. */
    StreamEvent accept(StreamEvent event) {
        if (!(event instanceof StreamEvent.Data data)) {
            return event;
        }
        String payload = data.payload();
        if (DONE.equals(payload)) {
            if (!verified) {
                throw new Violation("stream reached [DONE] without a final chunk carrying provenance and a receipt");
            }
            return event;
        }
        if (verified) {
            throw new Violation("stream went on after its verified final chunk");
        }
        JsonNode parsed;
        try {
            parsed = json.readTree(payload);
        } catch (Exception e) {
            throw new Violation("unreadable stream event");
        }
        if (!(parsed instanceof ObjectNode chunk)) {
            throw new Violation("stream event that is not a JSON object");
        }
        if (chunk.path("error").isObject()) {
            // An honest failure of the service: relayed as it is.
            return event;
        }
        if (!chunk.has("provenance")) {
            answer.accept(chunk);
            return event;
        }
        answer.accept(chunk);
        if (answer.otherChoices()) {
            throw new Violation("text in a choice other than the first; a receipt covers one");
        }
        Optional<String> violation = receipts.answer(chunk.path("provenance"), answer.parts());
        if (violation.isPresent()) {
            throw new Violation(violation.get());
        }
        verified = true;
        verifiedText.accept(answer.parts().content());
        return new StreamEvent.Data(chunk.toString());
    }
}
