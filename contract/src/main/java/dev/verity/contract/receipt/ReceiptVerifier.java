package dev.verity.contract.receipt;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Verifies receipts with nothing but the published keys ({@code GET /.well-known/verity/receipt-keys}):
 * what a client runs. {@link #verify} proves who signed which claims; {@link #verifyAnswer} and
 * {@link #verifyData} also prove that the claims describe exactly what the client received.
 * Thread-safe.
 */
public final class ReceiptVerifier {

    private final Map<String, Ed25519PublicKeyParameters> keys = new LinkedHashMap<>();

    public ReceiptVerifier(List<ReceiptKey> keys) {
        for (ReceiptKey key : keys) {
            this.keys.put(key.kid(), new Ed25519PublicKeyParameters(key.x(), 0));
        }
    }

    /** From the JWKS document; keys that are not Ed25519 OKP keys are ignored. */
    @SuppressWarnings("unchecked")
    public static ReceiptVerifier fromJwks(String jwks) {
        Object parsed = Json.parse(jwks);
        if (!(parsed instanceof Map<?, ?> document) || !(document.get("keys") instanceof List<?> list)) {
            throw new IllegalArgumentException("a JWKS is an object with a 'keys' array");
        }
        List<ReceiptKey> keys = list.stream()
                .filter(k -> k instanceof Map<?, ?> m && "OKP".equals(m.get("kty")) && "Ed25519".equals(m.get("crv"))
                        && m.get("kid") instanceof String && m.get("x") instanceof String)
                .map(k -> (Map<String, Object>) k)
                .map(k -> new ReceiptKey((String) k.get("kid"), Base64Url.decode((String) k.get("x"))))
                .toList();
        return new ReceiptVerifier(keys);
    }

    /** The claims of a receipt whose signature verifies with one of the keys. */
    public Map<String, Object> verify(String receipt) throws InvalidReceipt {
        if (receipt == null || receipt.isBlank()) {
            throw new InvalidReceipt("no receipt");
        }
        String[] parts = receipt.split("\\.", -1);
        if (parts.length != 3) {
            throw new InvalidReceipt("not a compact JWS");
        }
        Map<String, Object> header = object(parts[0], "header");
        if (!"EdDSA".equals(header.get("alg"))) {
            throw new InvalidReceipt("alg is not EdDSA");
        }
        if (header.containsKey("crit")) {
            throw new InvalidReceipt("unsupported critical header");
        }
        Ed25519PublicKeyParameters key = keys.get(String.valueOf(header.get("kid")));
        if (key == null) {
            throw new InvalidReceipt("unknown key id " + header.get("kid"));
        }
        byte[] signature;
        try {
            signature = Base64Url.decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new InvalidReceipt("signature is not base64url");
        }
        if (signature.length != Ed25519.SIGNATURE_SIZE) {
            throw new InvalidReceipt("signature has the wrong length");
        }
        byte[] input = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        if (!key.verify(Ed25519.Algorithm.Ed25519, null, input, 0, input.length, signature, 0)) {
            throw new InvalidReceipt("signature does not verify");
        }
        return object(parts[1], "payload");
    }

    /** A model answer: signature, then every claim against what was received ({@link AnswerCheck}). */
    public Map<String, Object> verifyAnswer(String receipt, ReceivedAnswer answer) throws InvalidReceipt {
        Map<String, Object> claims = verify(receipt);
        AnswerCheck.check(claims, answer);
        return claims;
    }

    /**
     * A data result: signature, then the signed result equals the received one (the body without
     * its {@code receipt}, compared as parsed JSON, so key order and spacing do not matter).
     */
    public Map<String, Object> verifyData(String receipt, String resultJsonWithoutReceipt, String requestId)
            throws InvalidReceipt {
        Map<String, Object> claims = verify(receipt);
        AnswerCheck.checkData(claims, Json.parse(resultJsonWithoutReceipt), requestId);
        return claims;
    }

    /** Payload claims of a receipt without checking anything: for display and logs only. */
    public static Map<String, Object> unverifiedClaims(String receipt) throws InvalidReceipt {
        String[] parts = receipt.split("\\.", -1);
        if (parts.length != 3) {
            throw new InvalidReceipt("not a compact JWS");
        }
        return object(parts[1], "payload");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String encoded, String what) throws InvalidReceipt {
        try {
            Object parsed = Json.parse(new String(Base64Url.decode(encoded), StandardCharsets.UTF_8));
            if (parsed instanceof Map<?, ?> map) {
                return (Map<String, Object>) map;
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidReceipt(what + " is not base64url JSON");
        }
        throw new InvalidReceipt(what + " is not a JSON object");
    }
}
