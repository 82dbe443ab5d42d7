package dev.verity.gateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.receipt.InvalidReceipt;
import dev.verity.contract.receipt.Json;
import dev.verity.contract.receipt.ReceiptMac;
import dev.verity.contract.receipt.ReceivedAnswer;
import dev.verity.runtime.receipts.AnswerParts;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * The gateway's check of a receipt: the internal MAC beside it (microseconds, instead of an Ed25519
 * verification per answer) and every claim against what is about to be sent. Passing it means the
 * receipt the client gets was made by a signing service over exactly this answer, so it verifies
 * with the published keys. The MAC is removed once checked: it is for Verity only.
 */
@ApplicationScoped
public class ReceiptCheck {

    static final String RECEIPT = "receipt";
    static final String MAC = "receipt_mac";

    private final ReceiptMac mac;

    public ReceiptCheck(ReceiptMac mac) {
        this.mac = mac;
    }

    /** Empty when the provenance's receipt covers these parts; otherwise why not. Strips the MAC when it does. */
    public Optional<String> answer(JsonNode provenance, AnswerParts parts) {
        if (!hasText(provenance.path("model")) || !hasText(provenance.path("provider_request_id"))) {
            return Optional.of("no provenance (model and provider_request_id required)");
        }
        try {
            // The request id is the client's to check: stand-ins and replays of a cached answer are re-signed anyway.
            ReceivedAnswer received = new ReceivedAnswer(null, provenance.path("model").asText(),
                    provenance.path("provider_request_id").asText(), provenance.path("degraded").asBoolean(false),
                    parts.content(), parts.refusal(), parts.toolCalls(), Json.parse(provenance.path("attempts").toString()));
            mac.verifyAnswer(text(provenance.path(RECEIPT)), text(provenance.path(MAC)), received);
        } catch (InvalidReceipt e) {
            return Optional.of(e.getMessage());
        } catch (IllegalArgumentException e) {
            return Optional.of("unreadable provenance: " + e.getMessage());
        }
        ((ObjectNode) provenance).remove(MAC);
        return Optional.empty();
    }

    /**
     * A data result's receipt, over the body without it. Empty when it verifies (MAC stripped) or
     * when there is none ({@code unsigned} is then true, for the caller to count).
     */
    public Optional<String> data(ObjectNode body, boolean[] unsigned) {
        JsonNode receipt = body.path(RECEIPT);
        if (receipt.isMissingNode() || receipt.isNull()) {
            unsigned[0] = true;
            return Optional.empty();
        }
        ObjectNode result = body.deepCopy();
        result.remove(RECEIPT);
        result.remove(MAC);
        try {
            dev.verity.contract.receipt.AnswerCheck.checkData(mac.claims(text(receipt), text(body.path(MAC))),
                    Json.parse(result.toString()), null);
        } catch (InvalidReceipt e) {
            return Optional.of(e.getMessage());
        } catch (IllegalArgumentException e) {
            return Optional.of("unreadable result: " + e.getMessage());
        }
        body.remove(MAC);
        return Optional.empty();
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }

    private static boolean hasText(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank();
    }
}
