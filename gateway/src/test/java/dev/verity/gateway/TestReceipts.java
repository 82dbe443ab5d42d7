package dev.verity.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.receipt.Base64Url;
import dev.verity.contract.receipt.Digests;
import dev.verity.contract.receipt.Json;
import dev.verity.contract.receipt.ReceiptClaims;
import dev.verity.contract.receipt.ReceiptMac;
import dev.verity.contract.receipt.ReceiptSigner;
import dev.verity.local.ReceiptKeys;
import dev.verity.local.TestInfra;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Signs the stand-ins' answers as the cascade signs real ones, with the keys the gateway under
 * test trusts (local-infra's test keys), so every test answer is a verifiable one unless a test
 * breaks it on purpose.
 */
public final class TestReceipts {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Lazily: a plain unit test signing with its own keys does not start the test infrastructure. */
    private static final class Trusted {
        static final ReceiptSigner SIGNER = signer(TestInfra.get().receiptKeys());
    }

    private TestReceipts() {
    }

    public static ReceiptSigner signer(ReceiptKeys keys) {
        return new ReceiptSigner(keys.kid(), Base64Url.decode(keys.privateKey()),
                new ReceiptMac(List.of(Base64Url.decode(keys.macKey()))));
    }

    /** The provenance JSON with {@code receipt} and {@code receipt_mac} over this text. */
    public static String sign(String provenanceJson, String content) {
        return sign(provenanceJson, content, List.of());
    }

    public static String sign(String provenanceJson, String content, List<Digests.ToolCallText> toolCalls) {
        return sign(Trusted.SIGNER, provenanceJson, content, toolCalls);
    }

    public static String sign(ReceiptSigner signer, String provenanceJson, String content,
            List<Digests.ToolCallText> toolCalls) {
        try {
            ObjectNode provenance = (ObjectNode) JSON.readTree(provenanceJson);
            ReceiptSigner.Signed signed = signer.sign(claims(provenance, content, toolCalls));
            provenance.put("receipt", signed.receipt());
            provenance.put("receipt_mac", signed.mac());
            return provenance.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> claims(JsonNode provenance, String content, List<Digests.ToolCallText> toolCalls) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put(ReceiptClaims.ISSUER, "llm-cascade");
        claims.put(ReceiptClaims.KIND, ReceiptClaims.KIND_COMPLETION);
        claims.put(ReceiptClaims.REQUEST_ID, "stand-in");
        claims.put(ReceiptClaims.MODEL, provenance.path("model").asText());
        claims.put(ReceiptClaims.PROVIDER_REQUEST_ID, provenance.path("provider_request_id").asText());
        claims.put(ReceiptClaims.DEGRADED, provenance.path("degraded").asBoolean());
        claims.put(ReceiptClaims.CONTENT_SHA256, Digests.text(content));
        if (!toolCalls.isEmpty()) {
            claims.put(ReceiptClaims.TOOL_CALLS_SHA256, Digests.toolCalls(toolCalls));
        }
        claims.put(ReceiptClaims.ATTEMPTS_SHA256, Digests.attempts(Json.parse(provenance.path("attempts").toString())));
        return claims;
    }
}
