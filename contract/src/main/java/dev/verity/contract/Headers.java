package dev.verity.contract;

/** HTTP header names that cross service boundaries. */
public final class Headers {
    public static final String REQUEST_ID = "X-Request-Id";
    /** Epoch milliseconds after which no service works on the request. */
    public static final String REQUEST_DEADLINE = "X-Request-Deadline";
    public static final String RETRY_AFTER = "Retry-After";
    public static final String PROBLEM_JSON = "application/problem+json";
    public static final String VERITY_MODEL = "x-verity-model";
    public static final String VERITY_DEGRADED = "x-verity-degraded";
    public static final String VERITY_REQUEST_ID = "x-verity-request-id";
    /** The answer's receipt (docs/receipts.md), as in {@code provenance.receipt}. */
    public static final String VERITY_RECEIPT = "x-verity-receipt";
    /**
     * Sent by the gateway when it starts a streamed run on the execution agent with value
     * {@link #FAILURE_EVENT_BY_CALLER}: the run's {@code agent_failed} is streamed to the caller only,
     * not logged or published, because the caller logs and publishes it itself once it has added
     * {@code tier_handling}, so every socket sees that one terminal event.
     */
    public static final String FAILURE_EVENT = "X-Verity-Failure-Event";
    public static final String FAILURE_EVENT_BY_CALLER = "caller";

    private Headers() {
    }
}
