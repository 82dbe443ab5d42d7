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
    /**
     * Sent by an OpenAI caller of a streamed completion with value {@link #HOLD_STREAM_SCORED}: the
     * llm-cascade holds each model's stream until its answer is scored and releases only the one it
     * accepts, so a streamed call gets the cascade's quality decision (first byte after the first
     * answer has ended). Without it, the first model to start streaming answers.
     */
    public static final String HOLD_STREAM = "x-verity-hold-stream";
    public static final String HOLD_STREAM_SCORED = "scored";
    /**
     * Sent by the execution agent on its streamed model turns with value
     * {@link #STREAM_ESCALATION_ANNOUNCE}: the answer streams live, and when it scores below the
     * threshold the llm-cascade sends a {@code verity.attempt.superseded} event and streams the next
     * tier's answer after it. Not an OpenAI stream shape, so the gateway never forwards it.
     */
    public static final String STREAM_ESCALATION = "x-verity-stream-escalation";
    public static final String STREAM_ESCALATION_ANNOUNCE = "announce";

    private Headers() {
    }
}
