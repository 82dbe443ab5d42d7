package dev.verity.contract.receipt;

/** Claim names and values of a receipt's payload (docs/receipts.md). */
public final class ReceiptClaims {

    /** Who signed: the service name ({@code llm-cascade}, {@code data-agent}, {@code execution-agent}). */
    public static final String ISSUER = "iss";
    /** {@link #KIND_COMPLETION}, {@link #KIND_AGENT_ANSWER} or {@link #KIND_DATA_RESULT}. */
    public static final String KIND = "kind";
    public static final String REQUEST_ID = "request_id";
    public static final String MODEL = "model";
    public static final String UPSTREAM_MODEL = "upstream_model";
    public static final String PROVIDER = "provider";
    public static final String PROVIDER_REQUEST_ID = "provider_request_id";
    public static final String PRODUCED_AT = "produced_at";
    public static final String DEGRADED = "degraded";
    public static final String CACHE_HIT = "cache_hit";
    public static final String STREAMED = "streamed";
    public static final String CONTENT_SHA256 = "content_sha256";
    public static final String REFUSAL_SHA256 = "refusal_sha256";
    public static final String TOOL_CALLS_SHA256 = "tool_calls_sha256";
    public static final String USAGE = "usage";
    public static final String ATTEMPTS_SHA256 = "attempts_sha256";
    /** Agent answer composed by the agent itself: the model receipts it used. */
    public static final String MODEL_RECEIPTS = "model_receipts";
    /** Data results: the route, the result object as sent (without its receipt) and its source. */
    public static final String ROUTE = "route";
    public static final String RESULT = "result";
    public static final String SOURCE = "source";

    public static final String KIND_COMPLETION = "completion";
    public static final String KIND_AGENT_ANSWER = "agent_answer";
    public static final String KIND_DATA_RESULT = "data_result";

    private ReceiptClaims() {
    }
}
