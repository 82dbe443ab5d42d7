package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The failure vocabulary. Status and retryability are fixed per type so that no
 * service can answer the same failure two different ways.
 */
public enum ErrorType {
    INVALID_REQUEST("invalid_request", 400, false, "Invalid request"),
    UNAUTHENTICATED("unauthenticated", 401, false, "Authentication required"),
    FORBIDDEN("forbidden", 403, false, "Access denied"),
    NOT_FOUND("not_found", 404, false, "Not found"),
    METHOD_NOT_ALLOWED("method_not_allowed", 405, false, "Method not allowed"),
    PAYLOAD_TOO_LARGE("payload_too_large", 413, false, "Request body too large"),
    LLM_CONTEXT_LENGTH_EXCEEDED("llm_context_length_exceeded", 400, false, "Prompt exceeds every model's context window"),
    RATE_LIMITED("rate_limited", 429, true, "Rate limit exceeded"),
    LLM_TIMEOUT("llm_timeout", 504, true, "LLM provider timed out"),
    LLM_RATE_LIMITED("llm_rate_limited", 503, true, "LLM providers are throttling requests"),
    LLM_AUTH_FAILED("llm_auth_failed", 503, false, "LLM provider rejected our credentials"),
    LLM_MODEL_UNAVAILABLE("llm_model_unavailable", 503, true, "Model unavailable"),
    LLM_UPSTREAM_ERROR("llm_upstream_error", 502, true, "LLM provider error"),
    LLM_INVALID_RESPONSE("llm_invalid_response", 502, true, "LLM provider returned an unusable response"),
    LLM_UNAVAILABLE("llm_unavailable", 503, true, "LLM services temporarily unavailable"),
    AGENT_TIMEOUT("agent_timeout", 504, true, "Agent run exceeded its deadline"),
    TOOL_FAILED("tool_failed", 502, true, "A tool the run needed failed"),
    DATA_UNAVAILABLE("data_unavailable", 503, true, "Data temporarily unavailable"),
    DATA_QUERY_TIMEOUT("data_query_timeout", 504, true, "Data query timed out"),
    DATA_VALIDATION_FAILED("data_validation_failed", 422, false, "Data validation failed"),
    SERVICE_UNAVAILABLE("service_unavailable", 503, true, "Service temporarily unavailable"),
    OVERLOADED("overloaded", 503, true, "Service overloaded"),
    AUTHENTICITY_VIOLATION("authenticity_violation", 500, true, "Response withheld: it could not be verified as real"),
    INTERNAL_ERROR("internal_error", 500, true, "Internal error");

    private final String wire;
    private final int status;
    private final boolean retryable;
    private final String title;

    ErrorType(String wire, int status, boolean retryable, String title) {
        this.wire = wire;
        this.status = status;
        this.retryable = retryable;
        this.title = title;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    public int status() {
        return status;
    }

    public boolean retryable() {
        return retryable;
    }

    public String title() {
        return title;
    }

    /** The RFC 9457 {@code type} URI: {@code urn:verity:problem:llm-unavailable}. */
    public String typeUri() {
        return "urn:verity:problem:" + wire.replace('_', '-');
    }

    public static ErrorType fromWire(String wire) {
        for (ErrorType type : values()) {
            if (type.wire.equals(wire)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown error_type: " + wire);
    }
}
