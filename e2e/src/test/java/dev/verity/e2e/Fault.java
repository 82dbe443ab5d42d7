package dev.verity.e2e;

/**
 * Provider faults the suites switch on, with the problem a user must get when every model has
 * that fault.
 */
public enum Fault {
    TIMEOUT("llm_timeout", 504),
    SERVER_ERROR("llm_upstream_error", 502),
    CONNECTION_RESET("llm_upstream_error", 502),
    RATE_LIMITED("llm_rate_limited", 503),
    AUTH_REJECTED("llm_auth_failed", 503),
    MODEL_NOT_FOUND("llm_model_unavailable", 503),
    MALFORMED_BODY("llm_invalid_response", 502),
    NO_CHOICES("llm_invalid_response", 502);

    final String errorType;
    final int status;

    Fault(String errorType, int status) {
        this.errorType = errorType;
        this.status = status;
    }

    /** Switches this fault on for one model of the stand-in. */
    void applyTo(ProviderStub provider, String model) {
        switch (this) {
            case TIMEOUT -> provider.delays(model, 5_000, "too late to count");
            case SERVER_ERROR -> provider.failsWith(model, 500, "{\"error\":{\"message\":\"internal\",\"type\":\"server_error\"}}");
            case CONNECTION_RESET -> provider.resetsConnection(model);
            case RATE_LIMITED -> provider.failsWithRetryAfter(model, 429, "1",
                    "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}");
            case AUTH_REJECTED -> provider.failsWith(model, 401,
                    "{\"error\":{\"message\":\"Incorrect API key provided: sk-e2e\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
            case MODEL_NOT_FOUND -> provider.failsWith(model, 404,
                    "{\"error\":{\"message\":\"The model does not exist\",\"type\":\"invalid_request_error\",\"code\":\"model_not_found\"}}");
            case MALFORMED_BODY -> provider.failsWith(model, 200, "{\"id\":\"chatcmpl-broken\",\"choices\":[{\"message\":");
            case NO_CHOICES -> provider.failsWith(model, 200,
                    "{\"id\":\"chatcmpl-empty\",\"object\":\"chat.completion\",\"created\":1764000000,\"model\":\"x\",\"choices\":[]}");
        }
    }
}
