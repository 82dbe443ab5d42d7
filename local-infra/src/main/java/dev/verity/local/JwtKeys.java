package dev.verity.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The RS256 key pair that the local stack and the tests sign tokens with. The public key is
 * written as PEM so services read it through {@code mp.jwt.verify.publickey.location}.
 */
public record JwtKeys(PrivateKey privateKey, PublicKey publicKey, Path publicKeyPem) {

    private static final String PUBLIC_FILE = "public-key.pem";
    private static final String PRIVATE_FILE = "private-key.pem";

    /** Loads the pair from the folder, generating it there the first time. */
    public static JwtKeys loadOrCreate(Path dir) {
        try {
            Files.createDirectories(dir);
            Path publicPem = dir.resolve(PUBLIC_FILE);
            Path privatePem = dir.resolve(PRIVATE_FILE);
            if (Files.exists(publicPem) && Files.exists(privatePem)) {
                KeyFactory rsa = KeyFactory.getInstance("RSA");
                PublicKey publicKey = rsa.generatePublic(new X509EncodedKeySpec(readPem(publicPem)));
                PrivateKey privateKey = rsa.generatePrivate(new PKCS8EncodedKeySpec(readPem(privatePem)));
                return new JwtKeys(privateKey, publicKey, publicPem);
            }
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            writePem(privatePem, "PRIVATE KEY", pair.getPrivate().getEncoded());
            writePem(publicPem, "PUBLIC KEY", pair.getPublic().getEncoded());
            return new JwtKeys(pair.getPrivate(), pair.getPublic(), publicPem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA key handling failed", e);
        }
    }

    /** A fresh pair in a temporary folder: a test's own signing authority. */
    public static JwtKeys temporary() {
        try {
            return loadOrCreate(Files.createTempDirectory("verity-jwt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] readPem(Path file) throws IOException {
        String body = Files.readString(file, StandardCharsets.US_ASCII)
                .replaceAll("-----[A-Z ]+-----", "")
                .replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }

    private static void writePem(Path file, String type, byte[] der) throws IOException {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----\n",
                StandardCharsets.US_ASCII);
    }
}
