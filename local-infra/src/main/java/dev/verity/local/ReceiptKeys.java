package dev.verity.local;

import dev.verity.contract.receipt.Base64Url;
import dev.verity.contract.receipt.ReceiptSigner;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Answer receipt keys for the local stack and tests, made like the JWT keys: an Ed25519 key pair
 * and an internal MAC secret, generated once into a folder (the local stack's
 * {@code deploy/local/data/receipts/}, owner-readable only) or fresh for a test run. Production
 * keys come from the Secret {@code verity-receipt-keys}. {@link #toString} shows no secret.
 */
public record ReceiptKeys(String kid, String privateKey, String publicKey, String macKey) {

    private static final String FILE = "receipt-keys.properties";

    public static ReceiptKeys generate(String kid) {
        byte[] privateBytes = ReceiptSigner.generatePrivateKey();
        byte[] mac = new byte[32];
        new SecureRandom().nextBytes(mac);
        return new ReceiptKeys(kid, Base64Url.encode(privateBytes), Base64Url.encode(ReceiptSigner.publicKeyOf(privateBytes)),
                Base64Url.encode(mac));
    }

    /** A fresh set for one test JVM or one e2e/bench stack. */
    public static ReceiptKeys temporary() {
        return generate("test-" + Long.toHexString(System.nanoTime() & 0xffffffL));
    }

    /** Loads the set from the folder, generating it there the first time. */
    public static ReceiptKeys loadOrCreate(Path dir) {
        Path file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            Properties stored = new Properties();
            if (Files.exists(file)) {
                try (Reader in = Files.newBufferedReader(file)) {
                    stored.load(in);
                }
                return new ReceiptKeys(stored.getProperty("kid"), stored.getProperty("private-key"),
                        stored.getProperty("public-key"), stored.getProperty("mac-key"));
            }
            ReceiptKeys keys = generate("local-1");
            stored.setProperty("kid", keys.kid);
            stored.setProperty("private-key", keys.privateKey);
            stored.setProperty("public-key", keys.publicKey);
            stored.setProperty("mac-key", keys.macKey);
            try (Writer out = Files.newBufferedWriter(file)) {
                stored.store(out, "Verity local receipt keys (docs/receipts.md); never commit");
            }
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: the folder is git-ignored either way.
            }
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The configuration every service gets, signers and the gateway alike. */
    public Map<String, String> config() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("verity.receipts.key-id", kid);
        config.put("verity.receipts.private-key", privateKey);
        config.put("verity.receipts.mac-keys", macKey);
        config.put("verity.receipts.public-keys", kid + ":" + publicKey);
        return config;
    }

    /** The same as environment variables, for services started as processes. */
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        config().forEach((key, value) -> env.put(key.toUpperCase().replace('.', '_').replace('-', '_'), value));
        return env;
    }

    @Override
    public String toString() {
        return "ReceiptKeys[kid=" + kid + ", publicKey=" + publicKey + "]";
    }
}
