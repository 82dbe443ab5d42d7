package dev.verity.runtime.receipts;

import dev.verity.contract.receipt.Base64Url;
import dev.verity.contract.receipt.ReceiptMac;
import dev.verity.contract.receipt.ReceiptSigner;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;

/** The service's receipt signer, from {@link ReceiptConfig}; a missing or malformed key is named, never printed. */
@ApplicationScoped
public class ReceiptSigning {

    private final ReceiptSigner signer;

    public ReceiptSigning(ReceiptConfig config) {
        String kid = config.keyId().orElseThrow(() -> missing("verity.receipts.key-id"));
        byte[] key;
        try {
            key = Base64Url.decode(config.privateKey().orElseThrow(() -> missing("verity.receipts.private-key")).trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("verity.receipts.private-key is not base64url (its value is not shown)");
        }
        this.signer = new ReceiptSigner(kid, key, macOf(config));
    }

    static ReceiptMac macOf(ReceiptConfig config) {
        List<String> keys = config.macKeys().filter(list -> !list.isEmpty())
                .orElseThrow(() -> missing("verity.receipts.mac-keys"));
        try {
            return new ReceiptMac(keys.stream().map(String::trim).map(Base64Url::decode).toList());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("verity.receipts.mac-keys: " + e.getMessage() + " (values are not shown)");
        }
    }

    /** The receipt over the claims and its internal MAC. */
    public ReceiptSigner.Signed sign(Map<String, ?> claims) {
        return signer.sign(claims);
    }

    public String kid() {
        return signer.kid();
    }

    private static IllegalStateException missing(String property) {
        return new IllegalStateException(property + " is not configured: every answer must carry a receipt (docs/receipts.md)");
    }
}
