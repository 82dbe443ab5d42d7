package dev.verity.contract.receipt;

import java.util.Base64;

/** base64url without padding, as JWS (RFC 7515) and JWK (RFC 8037) write bytes. */
public final class Base64Url {

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private Base64Url() {
    }

    public static String encode(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /** @throws IllegalArgumentException when the text is not base64url */
    public static byte[] decode(String text) {
        if (text.indexOf('=') >= 0 || text.indexOf('+') >= 0 || text.indexOf('/') >= 0) {
            throw new IllegalArgumentException("not unpadded base64url");
        }
        return DECODER.decode(text);
    }
}
