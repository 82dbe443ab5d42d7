package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The authenticated caller, taken from verified JWT claims only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UserContext(
        @JsonProperty("user_id") String userId,
        @JsonProperty("org_id") String orgId,
        @JsonProperty("tier") Tier tier,
        @JsonProperty("email") String email,
        @JsonProperty("account_manager_email") String accountManagerEmail) {

    /** JWT claim names the services read. */
    public static final String CLAIM_ORG = "org";
    public static final String CLAIM_TIER = "tier";
    public static final String CLAIM_EMAIL = "email";
    public static final String CLAIM_ACCOUNT_MANAGER_EMAIL = "account_manager_email";
}
