package dev.verity.cascade.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.cascade.api.ChatCompletion;
import dev.verity.contract.Provenance;
import dev.verity.contract.Services;
import dev.verity.contract.receipt.InvalidReceipt;
import dev.verity.contract.receipt.ReceiptClaims;
import dev.verity.contract.receipt.ReceiptSigner;
import dev.verity.contract.receipt.ReceiptVerifier;
import dev.verity.runtime.receipts.AnswerClaims;
import dev.verity.runtime.receipts.AnswerParts;
import dev.verity.runtime.receipts.ReceiptSigning;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Signs every answer at the moment it is relayed (docs/receipts.md): the receipt covers the
 * exact text, refusal and tool calls the caller receives, the model and the provider's own
 * response id, and goes into {@code provenance.receipt} with the internal MAC beside it.
 */
@ApplicationScoped
public class AnswerSigner {

    private final ReceiptSigning signing;
    private final ObjectMapper json;

    public AnswerSigner(ReceiptSigning signing, ObjectMapper json) {
        this.signing = signing;
        this.json = json;
    }

    /** A whole completion: the first choice's message is the answer (the cascade allows n = 1 only). */
    public ChatCompletion sign(ChatCompletion completion, String requestId, String upstreamModel) {
        AnswerParts parts = completion.choices().isEmpty() ? new AnswerParts("", null, java.util.List.of())
                : AnswerParts.ofMessage(completion.choices().getFirst().path("message"));
        return completion.withProvenance(sign(completion.provenance(), parts, requestId, upstreamModel, false));
    }

    /**
     * A cached answer served again: signed anew for this request (the old receipt names another),
     * with the upstream model its first receipt named.
     */
    public ChatCompletion resign(ChatCompletion cached, String requestId, String previousReceipt) {
        return sign(cached, requestId, upstreamModelOf(previousReceipt).orElse(cached.model()));
    }

    public Provenance sign(Provenance provenance, AnswerParts parts, String requestId, String upstreamModel,
            boolean streamed) {
        ReceiptSigner.Signed signed = signing.sign(AnswerClaims.of(Services.LLM_CASCADE, requestId, upstreamModel, provenance,
                parts, streamed, json));
        return provenance.withReceipt(signed.receipt(), signed.mac());
    }

    private static Optional<String> upstreamModelOf(String receipt) {
        if (receipt == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(ReceiptVerifier.unverifiedClaims(receipt).get(ReceiptClaims.UPSTREAM_MODEL))
                    .map(String::valueOf);
        } catch (InvalidReceipt e) {
            return Optional.empty();
        }
    }
}
