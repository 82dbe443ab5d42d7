package dev.verity.contract.receipt;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The internal HMAC-SHA256 beside a receipt's signature, over the same signing input
 * ({@code header.payload}): the gateway checks it in microseconds instead of verifying the
 * Ed25519 signature on every answer. Only services holding the shared secret can make one; it
 * never replaces the signature a client verifies. The first key makes MACs, every key checks
 * them (rotation). Thread-safe.
 */
public final class ReceiptMac {

    private static final String ALGORITHM = "HmacSHA256";
    private static final int MIN_KEY_BYTES = 32;

    private final List<SecretKeySpec> keys;
    private final ThreadLocal<Mac[]> macs;

    public ReceiptMac(List<byte[]> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("at least one receipt MAC key is required");
        }
        for (byte[] key : keys) {
            if (key.length < MIN_KEY_BYTES) {
                throw new IllegalArgumentException("a receipt MAC key needs at least " + MIN_KEY_BYTES + " bytes");
            }
        }
        this.keys = keys.stream().map(k -> new SecretKeySpec(k.clone(), ALGORITHM)).toList();
        this.macs = ThreadLocal.withInitial(() -> {
            Mac[] all = new Mac[this.keys.size()];
            for (int i = 0; i < all.length; i++) {
                try {
                    all[i] = Mac.getInstance(ALGORITHM);
                    all[i].init(this.keys.get(i));
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("HMAC-SHA256 unavailable", e);
                }
            }
            return all;
        });
    }

    /** base64url MAC of the receipt's {@code header.payload} with the first key. */
    public String of(String receipt) {
        return Base64Url.encode(mac(macs.get()[0], signingInput(receipt)));
    }

    /** Whether the MAC was made over this receipt by any of the keys (constant-time comparison). */
    public boolean matches(String receipt, String mac) {
        if (mac == null || receipt == null) {
            return false;
        }
        byte[] given;
        try {
            given = Base64Url.decode(mac);
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] input = signingInput(receipt);
        for (Mac candidate : macs.get()) {
            if (MessageDigest.isEqual(mac(candidate, input), given)) {
                return true;
            }
        }
        return false;
    }

    /**
     * What the gateway runs on every answer: the claims of a receipt whose MAC matches, checked
     * against what is about to be sent. The signature is not verified again here; the MAC proves
     * the receipt came unchanged from a service that signed it.
     */
    public Map<String, Object> verifyAnswer(String receipt, String mac, ReceivedAnswer answer) throws InvalidReceipt {
        Map<String, Object> claims = claims(receipt, mac);
        AnswerCheck.check(claims, answer);
        return claims;
    }

    /** The claims of a receipt whose MAC matches. */
    public Map<String, Object> claims(String receipt, String mac) throws InvalidReceipt {
        if (receipt == null || receipt.isBlank()) {
            throw new InvalidReceipt("no receipt");
        }
        if (!matches(receipt, mac)) {
            throw new InvalidReceipt(mac == null ? "no receipt MAC" : "receipt MAC does not match");
        }
        return ReceiptVerifier.unverifiedClaims(receipt);
    }

    private static byte[] signingInput(String receipt) {
        int lastDot = receipt.lastIndexOf('.');
        return (lastDot < 0 ? receipt : receipt.substring(0, lastDot)).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] mac(Mac mac, byte[] input) {
        return mac.doFinal(input);
    }
}
