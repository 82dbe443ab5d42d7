package dev.verity.runtime.receipts;

import io.smallrye.config.ConfigMapping;
import java.util.List;
import java.util.Optional;

/**
 * Answer receipt keys (docs/receipts.md). Services that sign (cascade, data agent) need
 * {@code key-id}, {@code private-key} and {@code mac-keys}; the gateway needs {@code public-keys}
 * and {@code mac-keys}. In Kubernetes they come from the Secret {@code verity-receipt-keys}; the
 * local stack and the tests generate them (local-infra {@code ReceiptKeys}). No value is ever logged.
 */
@ConfigMapping(prefix = "verity.receipts")
public interface ReceiptConfig {

    /** The signing key's id, as the JWKS publishes it ({@code VERITY_RECEIPTS_KEY_ID}). */
    Optional<String> keyId();

    /** The 32-byte Ed25519 private key, base64url ({@code VERITY_RECEIPTS_PRIVATE_KEY}). */
    Optional<String> privateKey();

    /**
     * Shared secrets of the internal MAC, base64url, at least 32 bytes each
     * ({@code VERITY_RECEIPTS_MAC_KEYS}, comma-separated): the first makes MACs, every one is accepted.
     */
    Optional<List<String>> macKeys();

    /**
     * The gateway's published and accepted keys, {@code kid:x} with x the base64url public key,
     * current first, then the previous one during a rotation ({@code VERITY_RECEIPTS_PUBLIC_KEYS}).
     */
    Optional<List<String>> publicKeys();
}
