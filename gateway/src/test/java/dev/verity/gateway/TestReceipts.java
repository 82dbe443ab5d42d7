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

    // Decimals as written: a cost of 0.00021 must not come back as 2.1E-4.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
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

    /**
     * A data result's JSON as the data agent sends it: the text unchanged, with {@code receipt} and
     * {@code receipt_mac} over it ({@code route} is the data agent's path, e.g. {@code /v1/metrics/query}).
     */
    public static String signedData(String resultJson, String route) {
        return signedData(Trusted.SIGNER, resultJson, route);
    }

    public static String signedData(ReceiptSigner signer, String resultJson, String route) {
        try {
            JsonNode source = JSON.readTree(resultJson).path("source");
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put(ReceiptClaims.ISSUER, "data-agent");
            claims.put(ReceiptClaims.KIND, ReceiptClaims.KIND_DATA_RESULT);
            claims.put(ReceiptClaims.REQUEST_ID, "stand-in");
            claims.put(ReceiptClaims.ROUTE, route);
            claims.put(ReceiptClaims.PRODUCED_AT, "2026-11-25T07:00:00Z");
            claims.put(ReceiptClaims.DEGRADED, source.path("degraded").asBoolean(false));
            claims.put(ReceiptClaims.SOURCE, source.isMissingNode() ? null : new Json.Raw(source.toString()));
            claims.put(ReceiptClaims.RESULT, new Json.Raw(resultJson));
            ReceiptSigner.Signed signed = signer.sign(claims);
            String body = resultJson.strip();
            return body.substring(0, body.length() - 1) + ",\"receipt\":\"" + signed.receipt()
                    + "\",\"receipt_mac\":\"" + signed.mac() + "\"}";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A minimal provenance of a model answer, unsigned, as the agent's provenance looks before the cascade signs it. */
    public static final String PROVENANCE = "{\"model\":\"small\",\"provider\":\"openai-compatible\","
            + "\"provider_request_id\":\"chatcmpl-ws\",\"produced_at\":\"2026-11-25T07:00:00Z\",\"degraded\":false,"
            + "\"cache_hit\":false,\"attempts\":[{\"model\":\"small\",\"outcome\":\"success\",\"latency_ms\":12}],"
            + "\"latency_ms\":12}";

    /**
     * The data of an {@code agent_completed} event ({@code response}, {@code provenance}) with the
     * provenance signed over the response, as the agent relays the cascade's receipt.
     */
    public static String signedCompletion(String dataJson) {
        try {
            ObjectNode data = (ObjectNode) JSON.readTree(dataJson);
            String response = data.path("response").asText();
            data.set("provenance", JSON.readTree(sign(data.path("provenance").toString(), response)));
            return data.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link #signedCompletion} over {@link #PROVENANCE}. */
    public static String signedCompletionOf(String response) {
        ObjectNode data = JSON.createObjectNode();
        data.put("response", response);
        try {
            data.set("provenance", JSON.readTree(PROVENANCE));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return signedCompletion(data.toString());
    }

    /** {@link #signedCompletionOf} as the map an in-process {@code Event} holds. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> signedCompletionData(String response) {
        try {
            return JSON.readValue(signedCompletionOf(response), Map.class);
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
