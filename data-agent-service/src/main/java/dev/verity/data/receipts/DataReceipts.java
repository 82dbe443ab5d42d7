package dev.verity.data.receipts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.Services;
import dev.verity.contract.receipt.Json;
import dev.verity.contract.receipt.ReceiptClaims;
import dev.verity.contract.receipt.ReceiptSigner;
import dev.verity.runtime.receipts.ReceiptSigning;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs a data result where it is produced (docs/receipts.md): the receipt's claims hold the
 * result exactly as serialised, {@code source} included, so a client proves the figures it got
 * with the published keys alone. The result gets {@code receipt}, and the internal
 * {@code receipt_mac} the gateway checks and removes.
 */
@ApplicationScoped
public class DataReceipts {

    private final ReceiptSigning signing;
    private final ObjectMapper json;

    public DataReceipts(ReceiptSigning signing, ObjectMapper json) {
        this.signing = signing;
        this.json = json;
    }

    /** The result's JSON with its receipt; {@code route} is the data agent's path, e.g. {@code /v1/metrics/query}. */
    public ObjectNode signed(Object result, String requestId, String route) {
        try {
            String body = json.writeValueAsString(result);
            ObjectNode tree = (ObjectNode) json.readTree(body);
            JsonNode source = tree.path("source");
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put(ReceiptClaims.ISSUER, Services.DATA_AGENT);
            claims.put(ReceiptClaims.KIND, ReceiptClaims.KIND_DATA_RESULT);
            claims.put(ReceiptClaims.REQUEST_ID, requestId);
            claims.put(ReceiptClaims.ROUTE, route);
            claims.put(ReceiptClaims.PRODUCED_AT, Instant.now().toString());
            claims.put(ReceiptClaims.DEGRADED, source.path("degraded").asBoolean(false));
            claims.put(ReceiptClaims.SOURCE, source.isMissingNode() ? null : new Json.Raw(source.toString()));
            claims.put(ReceiptClaims.RESULT, new Json.Raw(body));
            ReceiptSigner.Signed signed = signing.sign(claims);
            tree.put("receipt", signed.receipt());
            tree.put("receipt_mac", signed.mac());
            return tree;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
