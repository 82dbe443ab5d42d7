package dev.verity.gateway.rest;

import dev.verity.contract.receipt.Jwks;
import dev.verity.contract.receipt.ReceiptKey;
import dev.verity.runtime.receipts.ReceiptConfig;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * The public keys every receipt verifies with, as a JWKS (RFC 7517, OKP/Ed25519 keys of RFC 8037):
 * the current key first, then the previous one while a rotation is under way. No token: a client
 * verifies with nothing but this document (docs/receipts.md).
 */
@Path("/.well-known/verity/receipt-keys")
public class ReceiptKeysResource {

    static final String JWK_SET = "application/jwk-set+json";

    private final String document;

    public ReceiptKeysResource(ReceiptConfig config) {
        List<ReceiptKey> keys = config.publicKeys().orElseThrow(() -> new IllegalStateException(
                "verity.receipts.public-keys is not configured: clients could not verify any receipt (docs/receipts.md)"))
                .stream().map(ReceiptKey::parse).toList();
        this.document = Jwks.document(keys);
    }

    @GET
    @Produces({JWK_SET, "application/json"})
    public Response keys() {
        // Short enough that a rotation reaches clients before the previous key is withdrawn.
        return Response.ok(document).type(JWK_SET).header("Cache-Control", "public, max-age=300").build();
    }
}
