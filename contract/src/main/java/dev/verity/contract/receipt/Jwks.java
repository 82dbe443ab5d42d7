package dev.verity.contract.receipt;

import java.util.List;
import java.util.Map;

/** The JWKS document of the receipt keys, as {@code GET /.well-known/verity/receipt-keys} serves it. */
public final class Jwks {

    private Jwks() {
    }

    public static String document(List<ReceiptKey> keys) {
        return Json.write(Map.of("keys", keys.stream().map(ReceiptKey::jwk).toList()));
    }
}
