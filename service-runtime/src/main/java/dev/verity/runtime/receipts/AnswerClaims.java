package dev.verity.runtime.receipts;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Provenance;
import dev.verity.contract.receipt.Digests;
import dev.verity.contract.receipt.ReceiptClaims;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The claims of a model answer's receipt, from its provenance and the parts the client receives. */
public final class AnswerClaims {

    private AnswerClaims() {
    }

    public static Map<String, Object> of(String issuer, String requestId, String upstreamModel, Provenance provenance,
            AnswerParts parts, boolean streamed, ObjectMapper json) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put(ReceiptClaims.ISSUER, issuer);
        claims.put(ReceiptClaims.KIND, ReceiptClaims.KIND_COMPLETION);
        claims.put(ReceiptClaims.REQUEST_ID, requestId);
        claims.put(ReceiptClaims.MODEL, provenance.model());
        claims.put(ReceiptClaims.UPSTREAM_MODEL, upstreamModel);
        claims.put(ReceiptClaims.PROVIDER, provenance.provider());
        claims.put(ReceiptClaims.PROVIDER_REQUEST_ID, provenance.providerRequestId());
        claims.put(ReceiptClaims.PRODUCED_AT, provenance.producedAt().toString());
        claims.put(ReceiptClaims.DEGRADED, provenance.degraded());
        claims.put(ReceiptClaims.CACHE_HIT, provenance.cacheHit());
        claims.put(ReceiptClaims.STREAMED, streamed);
        claims.put(ReceiptClaims.CONTENT_SHA256, Digests.text(parts.content()));
        if (parts.refusal() != null) {
            claims.put(ReceiptClaims.REFUSAL_SHA256, Digests.text(parts.refusal()));
        }
        if (!parts.toolCalls().isEmpty()) {
            claims.put(ReceiptClaims.TOOL_CALLS_SHA256, Digests.toolCalls(parts.toolCalls()));
        }
        claims.put(ReceiptClaims.USAGE, provenance.usage() == null ? null
                : Map.of("prompt_tokens", provenance.usage().promptTokens(),
                        "completion_tokens", provenance.usage().completionTokens()));
        claims.put(ReceiptClaims.ATTEMPTS_SHA256, Digests.attempts(json.convertValue(provenance.attempts(), List.class)));
        return claims;
    }
}
