package dev.verity.contract;

/** Service names as they appear in problems, events and status. */
public final class Services {
    public static final String LLM_CASCADE = "llm-cascade";
    public static final String EXECUTION_AGENT = "execution-agent";
    public static final String DATA_AGENT = "data-agent";
    public static final String GATEWAY = "gateway";

    private Services() {
    }
}
