package dev.verity.contract.receipt;

import java.util.LinkedHashMap;
import java.util.Map;

/** A public receipt key: its JWK is {@code {"kty":"OKP","crv":"Ed25519","kid":…,"x":…}} (RFC 8037). */
public record ReceiptKey(String kid, byte[] x) {

    public ReceiptKey {
        if (x == null || x.length != 32) {
            throw new IllegalArgumentException("an Ed25519 public key is 32 bytes");
        }
        x = x.clone();
    }

    @Override
    public byte[] x() {
        return x.clone();
    }

    /** From the configured form {@code kid:x} (x base64url). */
    public static ReceiptKey parse(String configured) {
        int colon = configured.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("a receipt public key is configured as kid:x (x base64url)");
        }
        return new ReceiptKey(configured.substring(0, colon).trim(), Base64Url.decode(configured.substring(colon + 1).trim()));
    }

    public Map<String, Object> jwk() {
        Map<String, Object> jwk = new LinkedHashMap<>();
        jwk.put("kty", "OKP");
        jwk.put("crv", "Ed25519");
        jwk.put("use", "sig");
        jwk.put("alg", "EdDSA");
        jwk.put("kid", kid);
        jwk.put("x", Base64Url.encode(x));
        return jwk;
    }
}
