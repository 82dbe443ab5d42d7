package dev.verity.runtime.security;

import dev.verity.contract.Tier;
import dev.verity.contract.UserContext;
import io.quarkus.security.AuthenticationFailedException;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** The verified caller, from JWT claims only: no service trusts a bare user-id header (DESIGN §3). */
public final class Callers {

    private Callers() {
    }

    public static UserContext of(JsonWebToken jwt) {
        String user = jwt.getSubject();
        String org = jwt.getClaim(UserContext.CLAIM_ORG);
        if (user == null || user.isBlank() || org == null || org.isBlank()) {
            throw new AuthenticationFailedException("token lacks sub or org");
        }
        // An unknown tier gets the least privileged treatment rather than a guess.
        Tier tier = Tier.fromWire(jwt.getClaim(UserContext.CLAIM_TIER)).orElse(Tier.FREE);
        return new UserContext(user, org, tier, jwt.getClaim(UserContext.CLAIM_EMAIL),
                jwt.getClaim(UserContext.CLAIM_ACCOUNT_MANAGER_EMAIL));
    }
}
