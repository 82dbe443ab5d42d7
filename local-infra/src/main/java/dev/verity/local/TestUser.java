package dev.verity.local;

/** A user for tokens minted locally: tier is one of free, early, mid, enterprise. */
public record TestUser(String userId, String orgId, String tier, String email, String accountManagerEmail) {

    public static TestUser of(String userId, String orgId, String tier) {
        return new TestUser(userId, orgId, tier, userId + "@" + orgId + ".example",
                "enterprise".equals(tier) ? "manager@" + orgId + ".example" : null);
    }
}
