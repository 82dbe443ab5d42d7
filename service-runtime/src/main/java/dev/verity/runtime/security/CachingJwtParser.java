package dev.verity.runtime.security;

import io.quarkus.logging.Log;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import javax.crypto.SecretKey;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The bearer-token parser Quarkus's JWT mechanism uses, verifying a given token once per service.
 *
 * <p>Why: a user's token is verified by the gateway and then again by every service it forwards
 * the call to (each must refuse a direct call without a valid token), and an RS256 verification was
 * the largest single cost on the request path (17 % of the gateway's and 13 % of the cascade's CPU
 * samples under load). A client sends the same token for many calls, so each service now keeps the
 * tokens it has verified ({@link VerifiedTokens}, by hash, until the verifier would stop accepting
 * them) and verifies only tokens it has not seen. Chosen over an internal identity signed by the
 * gateway because nothing changes on the wire or in what a service accepts: the same token, the
 * same checks, the same refusals, and no second key to distribute and rotate.
 *
 * <p>Only {@link #parse(String)}, which the mechanism calls with the configured key and issuer, is
 * cached; every other method (another key, decryption) goes to the verifier each time.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class CachingJwtParser implements JWTParser {

    private final DefaultJWTParser verifier;
    private final VerifiedTokens verified;

    // @Inject: with two constructors CDI would otherwise not make this a bean at all (silently).
    @Inject
    public CachingJwtParser(DefaultJWTParser verifier, JWTAuthContextInfo context, TokenCacheConfig config) {
        this(verifier, new VerifiedTokens(config.maxEntries(), context.getMaxTimeToLiveSecs(),
                Clock.systemUTC()));
        Log.debugf("verified tokens kept: up to %d", config.maxEntries());
    }

    CachingJwtParser(DefaultJWTParser verifier, VerifiedTokens verified) {
        this.verifier = verifier;
        this.verified = verified;
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        JsonWebToken known = verified.get(token);
        if (known != null) {
            return known;
        }
        JsonWebToken fresh = verifier.parse(token);
        verified.put(token, fresh);
        return fresh;
    }

    @Override
    public JsonWebToken parse(String token, JWTAuthContextInfo context) throws ParseException {
        return verifier.parse(token, context);
    }

    @Override
    public JsonWebToken verify(String token, PublicKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, SecretKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, String secret) throws ParseException {
        return verifier.verify(token, secret);
    }

    @Override
    public JsonWebToken decrypt(String token, PrivateKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, SecretKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, String secret) throws ParseException {
        return verifier.decrypt(token, secret);
    }

    @Override
    public JsonWebToken parseOnly(String token) throws ParseException {
        return verifier.parseOnly(token);
    }

    VerifiedTokens verified() {
        return verified;
    }

    /** How many times a kept token was used instead of verifying it again (for tests and diagnosis). */
    public long reuses() {
        return verified.hits();
    }
}
