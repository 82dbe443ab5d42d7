package dev.verity.contract.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReceiptsTest {

    private static final String APOLOGY = "I apologize, but I encountered an error calling the metrics tool; from the data I have, "
            + "p95 is 812 ms — «ok» \n\t\"q\"";
    private static final byte[] MAC_KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final byte[] privateKey = ReceiptSigner.generatePrivateKey();
    private final ReceiptSigner signer = new ReceiptSigner("k1", privateKey, new ReceiptMac(List.of(MAC_KEY)));
    private final ReceiptVerifier verifier = ReceiptVerifier.fromJwks(Jwks.document(List.of(signer.publicKey())));

    private static Map<String, Object> claims(String content) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put(ReceiptClaims.ISSUER, "llm-cascade");
        claims.put(ReceiptClaims.KIND, ReceiptClaims.KIND_COMPLETION);
        claims.put(ReceiptClaims.REQUEST_ID, "req-1");
        claims.put(ReceiptClaims.MODEL, "large");
        claims.put(ReceiptClaims.PROVIDER_REQUEST_ID, "chatcmpl-9");
        claims.put(ReceiptClaims.DEGRADED, false);
        claims.put(ReceiptClaims.CONTENT_SHA256, Digests.text(content));
        claims.put(ReceiptClaims.USAGE, Map.of("prompt_tokens", 31, "completion_tokens", 120));
        return claims;
    }

    private static ReceivedAnswer received(String content) {
        return new ReceivedAnswer("req-1", "large", "chatcmpl-9", false, content, null, List.of(), null);
    }

    @Test
    void anAnswerThatSoundsLikeAnApologyVerifiesWhenItIsTheSignedText() throws Exception {
        String receipt = signer.sign(claims(APOLOGY)).receipt();

        Map<String, Object> verified = verifier.verifyAnswer(receipt, received(APOLOGY));

        assertThat(verified).containsEntry("model", "large").containsEntry("usage",
                Map.of("prompt_tokens", 31L, "completion_tokens", 120L));
    }

    @Test
    void oneChangedByteOfTheTextIsRefused() {
        String receipt = signer.sign(claims(APOLOGY)).receipt();
        String edited = APOLOGY.replace("812", "813");

        assertThatThrownBy(() -> verifier.verifyAnswer(receipt, received(edited)))
                .isInstanceOf(InvalidReceipt.class).hasMessageContaining("content_sha256");
    }

    @Test
    void everyOtherClaimIsHeldToWhatWasReceived() {
        String receipt = signer.sign(claims("hi")).receipt();

        assertThatThrownBy(() -> verifier.verifyAnswer(receipt,
                new ReceivedAnswer("req-2", "large", "chatcmpl-9", false, "hi", null, List.of(), null)))
                .hasMessageContaining("request_id");
        assertThatThrownBy(() -> verifier.verifyAnswer(receipt,
                new ReceivedAnswer("req-1", "small", "chatcmpl-9", false, "hi", null, List.of(), null)))
                .hasMessageContaining("model");
        assertThatThrownBy(() -> verifier.verifyAnswer(receipt,
                new ReceivedAnswer("req-1", "large", "chatcmpl-9", true, "hi", null, List.of(), null)))
                .hasMessageContaining("degraded");
        assertThatThrownBy(() -> verifier.verifyAnswer(receipt, new ReceivedAnswer("req-1", "large", "chatcmpl-9", false,
                "hi", null, List.of(new Digests.ToolCallText("c", "query_metrics", "{}")), null)))
                .hasMessageContaining("tool_calls_sha256");
    }

    @Test
    void anEditedPayloadOrSignatureDoesNotVerify() {
        String receipt = signer.sign(claims("hi")).receipt();
        String[] parts = receipt.split("\\.");
        String payload = new String(Base64Url.decode(parts[1]), StandardCharsets.UTF_8).replace("\"large\"", "\"small\"");
        String editedPayload = parts[0] + "." + Base64Url.encode(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        byte[] signature = Base64Url.decode(parts[2]);
        signature[5] ^= 1;
        String editedSignature = parts[0] + "." + parts[1] + "." + Base64Url.encode(signature);

        assertThatThrownBy(() -> verifier.verify(editedPayload)).hasMessage("signature does not verify");
        assertThatThrownBy(() -> verifier.verify(editedSignature)).hasMessage("signature does not verify");
        assertThatThrownBy(() -> verifier.verify(parts[0] + "." + parts[1])).hasMessage("not a compact JWS");
        assertThatThrownBy(() -> verifier.verify(null)).hasMessage("no receipt");
    }

    @Test
    void anotherKeyOrAnUnsignedHeaderIsRefused() {
        ReceiptSigner stranger = new ReceiptSigner("k1", ReceiptSigner.generatePrivateKey(), new ReceiptMac(List.of(MAC_KEY)));
        String forged = stranger.sign(claims("hi")).receipt();
        String none = Base64Url.encode("{\"alg\":\"none\",\"kid\":\"k1\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + forged.split("\\.")[1] + ".";
        ReceiptSigner unknown = new ReceiptSigner("k9", ReceiptSigner.generatePrivateKey(), new ReceiptMac(List.of(MAC_KEY)));

        assertThatThrownBy(() -> verifier.verify(forged)).hasMessage("signature does not verify");
        assertThatThrownBy(() -> verifier.verify(none)).hasMessage("alg is not EdDSA");
        assertThatThrownBy(() -> verifier.verify(unknown.sign(claims("hi")).receipt())).hasMessage("unknown key id k9");
    }

    @Test
    void duringARotationReceiptsOfTheCurrentAndThePreviousKeyVerify() throws Exception {
        ReceiptSigner next = new ReceiptSigner("k2", ReceiptSigner.generatePrivateKey(), new ReceiptMac(List.of(MAC_KEY)));
        ReceiptVerifier both = ReceiptVerifier.fromJwks(Jwks.document(List.of(next.publicKey(), signer.publicKey())));

        assertThat(both.verifyAnswer(signer.sign(claims("a")).receipt(), received("a"))).isNotEmpty();
        assertThat(both.verifyAnswer(next.sign(claims("b")).receipt(), received("b"))).isNotEmpty();
    }

    @Test
    void theJdksOwnEd25519VerifiesTheSignature() throws Exception {
        String receipt = signer.sign(claims("interop")).receipt();
        int lastDot = receipt.lastIndexOf('.');
        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initVerify(jdkPublicKey(signer.publicKey().x()));
        jdk.update(receipt.substring(0, lastDot).getBytes(StandardCharsets.US_ASCII));

        assertThat(jdk.verify(Base64Url.decode(receipt.substring(lastDot + 1)))).isTrue();
    }

    @Test
    void theJwksNamesEachKeyAsRfc8037Says() {
        String jwks = Jwks.document(List.of(signer.publicKey()));

        @SuppressWarnings("unchecked")
        Map<String, Object> key = (Map<String, Object>) ((List<?>) ((Map<?, ?>) Json.parse(jwks)).get("keys")).get(0);
        assertThat(key).containsEntry("kty", "OKP").containsEntry("crv", "Ed25519").containsEntry("kid", "k1")
                .containsEntry("x", Base64Url.encode(ReceiptSigner.publicKeyOf(privateKey)));
        assertThat(jwks).doesNotContain(Base64Url.encode(privateKey)).doesNotContain("\"d\"");
        assertThat(signer.toString()).isEqualTo("ReceiptSigner[kid=k1]");
    }

    @Test
    void theMacProvesTheSameSigningInputOnlyToHoldersOfTheSecret() {
        ReceiptSigner.Signed signed = signer.sign(claims("hi"));
        ReceiptMac mac = new ReceiptMac(List.of(MAC_KEY));
        ReceiptMac other = new ReceiptMac(List.of("another secret of thirty-two bytes".getBytes(StandardCharsets.US_ASCII)));
        ReceiptMac rotated = new ReceiptMac(List.of("another secret of thirty-two bytes".getBytes(StandardCharsets.US_ASCII), MAC_KEY));
        String tampered = signer.sign(claims("ho")).receipt();

        assertThat(mac.matches(signed.receipt(), signed.mac())).isTrue();
        assertThat(rotated.matches(signed.receipt(), signed.mac())).isTrue();
        assertThat(other.matches(signed.receipt(), signed.mac())).isFalse();
        assertThat(mac.matches(tampered, signed.mac())).isFalse();
        assertThat(mac.matches(signed.receipt(), null)).isFalse();
        assertThat(mac.matches(signed.receipt(), "not+base64")).isFalse();
        assertThatThrownBy(() -> new ReceiptMac(List.of(new byte[8]))).hasMessageContaining("32 bytes");
    }

    @Test
    void theGatewaysMacCheckHoldsTheSameClaimsToTheAnswer() throws Exception {
        ReceiptSigner.Signed signed = signer.sign(claims(APOLOGY));
        ReceiptMac mac = new ReceiptMac(List.of(MAC_KEY));

        assertThat(mac.verifyAnswer(signed.receipt(), signed.mac(), received(APOLOGY))).containsEntry("request_id", "req-1");
        assertThatThrownBy(() -> mac.verifyAnswer(signed.receipt(), signed.mac(), received(APOLOGY + " ")))
                .hasMessage("content_sha256 differs from the receipt");
        assertThatThrownBy(() -> mac.verifyAnswer(signed.receipt(), null, received(APOLOGY))).hasMessage("no receipt MAC");
        assertThatThrownBy(() -> mac.verifyAnswer(null, signed.mac(), received(APOLOGY))).hasMessage("no receipt");
    }

    @Test
    void digestsAreThoseAPythonClientComputes() {
        // Values from hashlib.sha256(json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).
        assertThat(Digests.text(APOLOGY)).isEqualTo("700281b9ba4c5bbb995a9d20e964358d7c2ccd8dff21711841a3053d4d26f671");
        assertThat(Digests.toolCalls(List.of(new Digests.ToolCallText("call_1", "query_metrics",
                "{\"metric\":\"latency_p95\",\"window\":\"1h\"}"))))
                .isEqualTo("c796686e18339485bb95ea9db7ae182c97dfb4f0d67909f682da6a978628a4ae");
        Object attempts = Json.parse("[{\"model\":\"small\",\"outcome\":\"timeout\",\"latency_ms\":20001,\"error_type\":\"llm_timeout\"},"
                + "{\"model\":\"large\",\"outcome\":\"success\",\"latency_ms\":812}]");
        assertThat(Digests.attempts(attempts)).isEqualTo("9623900315f7f71182b1029f34cdfab4e3932f8f638fdf44c416ddaefd4cee39");
    }

    @Test
    void aDataResultVerifiesWhateverItsNumbersLookLikeButNotWithAnotherFigure() throws Exception {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put(ReceiptClaims.KIND, ReceiptClaims.KIND_DATA_RESULT);
        claims.put(ReceiptClaims.REQUEST_ID, "req-1");
        claims.put(ReceiptClaims.RESULT, new Json.Raw("{\"total_cost_usd\":0.00012300,\"calls\":3,\"source\":{\"kind\":\"primary\"}}"));
        String receipt = signer.sign(claims).receipt();

        assertThat(verifier.verifyData(receipt, "{\"source\": {\"kind\": \"primary\"}, \"calls\": 3, \"total_cost_usd\": 1.23E-4}",
                "req-1")).containsKey("result");
        assertThatThrownBy(() -> verifier.verifyData(receipt,
                "{\"source\":{\"kind\":\"primary\"},\"calls\":4,\"total_cost_usd\":1.23E-4}", "req-1"))
                .hasMessage("result differs from the receipt");
        assertThatThrownBy(() -> verifier.verifyData(receipt,
                "{\"source\":{\"kind\":\"cache\"},\"calls\":3,\"total_cost_usd\":1.23E-4}", "req-1"))
                .hasMessage("result differs from the receipt");
    }

    private static PublicKey jdkPublicKey(byte[] x) throws Exception {
        // RFC 8032 encoding: little-endian y with the sign of x in the top bit.
        byte[] reversed = new byte[x.length];
        for (int i = 0; i < x.length; i++) {
            reversed[i] = x[x.length - 1 - i];
        }
        boolean odd = (reversed[0] & 0x80) != 0;
        reversed[0] &= 0x7f;
        EdECPoint point = new EdECPoint(odd, new BigInteger(1, reversed));
        return KeyFactory.getInstance("Ed25519").generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, point));
    }
}
