package dev.verity.e2e;

import dev.verity.local.TestUser;

/** Users per tier with real tokens signed by the stack's key; each test class gets its own org. */
public final class Users {

    private Users() {
    }

    public static TestUser of(String tier, String org) {
        return TestUser.of("e2e-" + tier + "-" + org, org, tier);
    }

    /**
     * An org of its own per run, for a test that counts the org's rows: a rerun of a failed test
     * (surefire reruns once) must not count the first run's.
     */
    public static String freshOrg(String name) {
        return name + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    }

    public static String token(TestUser user) {
        return VerityStack.get().tokens().mint(user);
    }
}
