package dev.verity.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.receipt.InvalidReceipt;
import dev.verity.contract.receipt.ReceiptKey;
import dev.verity.contract.receipt.ReceiptVerifier;
import dev.verity.local.ReceiptKeys;
import dev.verity.local.TestInfra;
import java.util.List;
import java.util.Map;

/** A result as a client checks it: its receipt verifies with the public key alone and covers the result as received. */
final class SignedResults {

    private SignedResults() {
    }

    static Map<String, Object> assertSigned(JsonNode answer, String route) {
        ReceiptKeys keys = TestInfra.get().receiptKeys();
        ReceiptVerifier verifier = new ReceiptVerifier(List.of(ReceiptKey.parse(keys.kid() + ":" + keys.publicKey())));
        ObjectNode result = answer.deepCopy();
        result.remove(List.of("receipt", "receipt_mac"));
        assertThat(answer.path("receipt_mac").asText()).as("the internal MAC the gateway checks").isNotBlank();
        try {
            Map<String, Object> claims = verifier.verifyData(answer.path("receipt").asText(), result.toString(), null);
            assertThat(claims).containsEntry("route", route)
                    .containsEntry("degraded", answer.path("source").path("degraded").asBoolean());
            assertThat(((Map<?, ?>) claims.get("source")).get("kind")).isEqualTo(answer.path("source").path("kind").asText());
            return claims;
        } catch (InvalidReceipt e) {
            throw new AssertionError("the " + route + " result does not verify: " + e.getMessage(), e);
        }
    }
}
