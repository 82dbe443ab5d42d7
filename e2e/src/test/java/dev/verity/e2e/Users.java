package dev.verity.e2e;

import dev.verity.local.TestUser;

/** Users per tier with real tokens signed by the stack's key; each test class gets its own org. */
public final class Users {

    private Users() {
    }

    public static TestUser of(String tier, String org) {
        return TestUser.of("e2e-" + tier + "-" + org, org, tier);
    }

    public static String token(TestUser user) {
        return VerityStack.get().tokens().mint(user);
    }
}
