package dev.verity.bench;

import dev.verity.contract.receipt.Digests;
import dev.verity.contract.receipt.Json;
import dev.verity.contract.receipt.ReceiptClaims;
import dev.verity.contract.receipt.ReceiptMac;
import dev.verity.contract.receipt.ReceiptSigner;
import dev.verity.contract.receipt.ReceiptVerifier;
import dev.verity.contract.receipt.ReceivedAnswer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * P10: CPU time of an answer's receipt, in this JVM (no stack): what the cascade runs to sign an
 * answer (digests, claims, BouncyCastle Ed25519, the internal MAC) plus what the gateway runs to
 * check it (MAC, claims against the answer) — next to the JDK's own Ed25519 signing and verifying
 * the same bytes, the figure that ruled the JDK out. And what a client pays to verify the
 * signature with BouncyCastle. Thread CPU time, per operation, after a warm-up.
 */
final class ReceiptCost implements Scenario {

    private static final String ANSWER = "I apologize, but I encountered an error calling the metrics tool; from the data "
            + "I have, the p95 latency over the last hour was 812 ms across 1,204 calls, and the error rate 0.4 %. ".repeat(3);

    @Override
    public String id() {
        return "P10";
    }

    @Override
    public void run(BenchRun run) throws Exception {
        run.rows.addAll(rows(run.profile.isSmoke() ? 200 : 20_000, Math.max(3, Math.min(run.profile.repetitions(), 5))));
    }

    /** The P10 rows alone, without the stack: {@code java -cp bench.jar dev.verity.bench.ReceiptCost}. */
    public static void main(String[] args) throws Exception {
        for (Row row : rows(args.length > 0 ? Integer.parseInt(args[0]) : 20_000, 5)) {
            System.out.println(row);
        }
    }

    static List<Row> rows(int ops, int reps) throws Exception {
        List<Row> rows = new ArrayList<>();
        byte[] macKey = new byte[32];
        new SecureRandom().nextBytes(macKey);
        ReceiptMac mac = new ReceiptMac(List.of(macKey));
        ReceiptSigner signer = new ReceiptSigner("bench", ReceiptSigner.generatePrivateKey(), mac);
        ReceiptVerifier verifier = new ReceiptVerifier(List.of(signer.publicKey()));
        KeyPair jdkKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Object attempts = Json.parse("[{\"model\":\"fast\",\"outcome\":\"success\",\"latency_ms\":12}]");
        ReceivedAnswer answer = new ReceivedAnswer("req-1", "fast", "chatcmpl-1", false, ANSWER, null, List.of(), attempts);
        ReceiptSigner.Signed sample = signer.sign(claims(attempts));
        byte[] input = sample.receipt().substring(0, sample.receipt().lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);
        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initSign(jdkKeys.getPrivate());
        jdk.update(input);
        byte[] jdkSignature = jdk.sign();

        List<Double> sign = new ArrayList<>();
        List<Double> check = new ArrayList<>();
        List<Double> together = new ArrayList<>();
        List<Double> jdkBoth = new ArrayList<>();
        List<Double> clientVerify = new ArrayList<>();
        for (int rep = 0; rep <= reps; rep++) {
            boolean warmUp = rep == 0;
            double s = perOp(ops, () -> signer.sign(claims(attempts)));
            double c = perOp(ops, () -> mac.verifyAnswer(sample.receipt(), sample.mac(), answer));
            double j = perOp(ops, () -> {
                Signature signing = Signature.getInstance("Ed25519");
                signing.initSign(jdkKeys.getPrivate());
                signing.update(input);
                signing.sign();
                Signature verifying = Signature.getInstance("Ed25519");
                verifying.initVerify(jdkKeys.getPublic());
                verifying.update(input);
                verifying.verify(jdkSignature);
            });
            double v = perOp(ops, () -> verifier.verifyAnswer(sample.receipt(), answer));
            if (!warmUp) {
                sign.add(s);
                check.add(c);
                together.add(s + c);
                jdkBoth.add(j);
                clientVerify.add(v);
            }
        }
        String n = ops + " ops × " + reps;
        Summary none = Summary.of(List.of());
        Summary both = Summary.of(together);
        rows.add(Row.of("P10 receipt CPU per answer: cascade signs + gateway checks", "JDK Ed25519 sign + verify",
                Summary.of(jdkBoth), both, " µs", null, "≤ 150 µs", both.median() <= 150, n));
        rows.add(Row.of("P10 receipt: cascade signs (digests, claims, BouncyCastle Ed25519, MAC)", "—", none,
                Summary.of(sign), " µs", null, "—", null, n));
        rows.add(Row.of("P10 receipt: gateway checks (MAC, claims against the answer)", "—", none,
                Summary.of(check), " µs", null, "—", null, n));
        rows.add(Row.of("P10 receipt: a client verifies (BouncyCastle Ed25519 signature, claims)", "—", none,
                Summary.of(clientVerify), " µs", null, "—", null, n));
        return rows;
    }

    private static Map<String, Object> claims(Object attempts) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put(ReceiptClaims.ISSUER, "llm-cascade");
        claims.put(ReceiptClaims.KIND, ReceiptClaims.KIND_COMPLETION);
        claims.put(ReceiptClaims.REQUEST_ID, "req-1");
        claims.put(ReceiptClaims.MODEL, "fast");
        claims.put(ReceiptClaims.UPSTREAM_MODEL, "fast-upstream");
        claims.put(ReceiptClaims.PROVIDER, "openai-compatible");
        claims.put(ReceiptClaims.PROVIDER_REQUEST_ID, "chatcmpl-1");
        claims.put(ReceiptClaims.PRODUCED_AT, java.time.Instant.now().toString());
        claims.put(ReceiptClaims.DEGRADED, false);
        claims.put(ReceiptClaims.CACHE_HIT, false);
        claims.put(ReceiptClaims.STREAMED, false);
        claims.put(ReceiptClaims.CONTENT_SHA256, Digests.text(ANSWER));
        claims.put(ReceiptClaims.USAGE, Map.of("prompt_tokens", 31, "completion_tokens", 120));
        claims.put(ReceiptClaims.ATTEMPTS_SHA256, Digests.attempts(attempts));
        return claims;
    }

    /** Microseconds of this thread's CPU per operation. */
    private static double perOp(int ops, Op op) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < ops; i++) {
            op.run();
        }
        return (threads.getCurrentThreadCpuTime() - start) / 1e3 / ops;
    }

    private interface Op {
        void run() throws Exception;
    }
}
