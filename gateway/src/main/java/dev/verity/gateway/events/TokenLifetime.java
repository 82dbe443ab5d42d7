package dev.verity.gateway.events;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Gives a JWT identity its expiry as {@code quarkus.identity.expire-time}, the attribute
 * websockets-next watches: a socket opened with a token is closed (1008, "Authentication expired")
 * the moment that token expires. quarkus-oidc sets it itself; smallrye-jwt does not.
 */
@ApplicationScoped
public class TokenLifetime implements SecurityIdentityAugmentor {

    static final String EXPIRE_TIME = "quarkus.identity.expire-time";

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || identity.getAttribute(EXPIRE_TIME) != null
                || !(identity.getPrincipal() instanceof JsonWebToken jwt) || jwt.getExpirationTime() <= 0) {
            return Uni.createFrom().item(identity);
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder(identity)
                .addAttribute(EXPIRE_TIME, jwt.getExpirationTime())
                .build());
    }
}
