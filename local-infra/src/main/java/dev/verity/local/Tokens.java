package dev.verity.local;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * Mints real RS256 tokens with the claims the services read, plus the broken variants tests need to
 * prove they are refused.
 */
public final class Tokens {

    private final JwtKeys keys;
    private final String issuer;

    public Tokens(JwtKeys keys, String issuer) {
        this.keys = keys;
        this.issuer = issuer;
    }

    public String issuer() {
        return issuer;
    }

    /** A valid token for the user, one hour long. */
    public String mint(TestUser user) {
        return sign(claims(user, issuer, Instant.now(), Duration.ofHours(1)), keys.privateKey());
    }

    /** A valid token whose {@code groups} claim holds these roles (e.g. {@code operator}). */
    public String withGroups(TestUser user, String... groups) {
        JwtClaims claims = claims(user, issuer, Instant.now(), Duration.ofHours(1));
        claims.setStringListClaim("groups", groups);
        return sign(claims, keys.privateKey());
    }

    public String mint(TestUser user, Duration lifetime) {
        return sign(claims(user, issuer, Instant.now(), lifetime), keys.privateKey());
    }

    public String expired(TestUser user) {
        return sign(claims(user, issuer, Instant.now().minus(Duration.ofHours(2)), Duration.ofHours(1)), keys.privateKey());
    }

    public String wrongIssuer(TestUser user) {
        return sign(claims(user, "https://someone-else.example", Instant.now(), Duration.ofHours(1)), keys.privateKey());
    }

    /** Signed by a key the services do not trust. */
    public String foreignKey(TestUser user) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            PrivateKey stranger = generator.generateKeyPair().getPrivate();
            return sign(claims(user, issuer, Instant.now(), Duration.ofHours(1)), stranger);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A valid token whose payload was edited afterwards (tier raised to enterprise). */
    public String tampered(TestUser user) {
        String[] parts = mint(user).split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"tier\":\"" + user.tier() + "\"", "\"tier\":\"enterprise\"")
                .replace("\"sub\":\"" + user.userId() + "\"", "\"sub\":\"" + user.userId() + "x\"");
        String edited = Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return parts[0] + "." + edited + "." + parts[2];
    }

    /** An unsigned token ({@code alg: none}). */
    public String unsigned(TestUser user) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims(user, issuer, Instant.now(), Duration.ofHours(1)).toJson());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.NONE);
            jws.setAlgorithmConstraints(org.jose4j.jwa.AlgorithmConstraints.NO_CONSTRAINTS);
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JwtClaims claims(TestUser user, String issuer, Instant issuedAt, Duration lifetime) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer);
        claims.setSubject(user.userId());
        claims.setJwtId(UUID.randomUUID().toString());
        claims.setIssuedAt(NumericDate.fromSeconds(issuedAt.getEpochSecond()));
        claims.setExpirationTime(NumericDate.fromSeconds(issuedAt.plus(lifetime).getEpochSecond()));
        claims.setClaim("upn", user.userId());
        claims.setClaim("org", user.orgId());
        claims.setClaim("tier", user.tier());
        claims.setClaim("email", user.email());
        if (user.accountManagerEmail() != null) {
            claims.setClaim("account_manager_email", user.accountManagerEmail());
        }
        return claims;
    }

    private static String sign(JwtClaims claims, PrivateKey key) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setKey(key);
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            jws.setHeader("typ", "JWT");
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }
}
