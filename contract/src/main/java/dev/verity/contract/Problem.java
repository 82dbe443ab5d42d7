package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * RFC 9457 problem details with Verity's extensions. {@code detail} is written for
 * the user and must never carry upstream exception text, URLs, keys or stack traces.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(
        @JsonProperty("type") String type,
        @JsonProperty("title") String title,
        @JsonProperty("status") int status,
        @JsonProperty("detail") String detail,
        @JsonProperty("instance") String instance,
        @JsonProperty("error_type") ErrorType errorType,
        @JsonProperty("service") String service,
        @JsonProperty("retryable") boolean retryable,
        @JsonProperty("retry_after_seconds") Integer retryAfterSeconds,
        @JsonProperty("error_context") ErrorContext errorContext,
        @JsonProperty("attempts") List<Attempt> attempts,
        @JsonProperty("tier_handling") TierHandling tierHandling,
        @JsonProperty("errors") List<FieldError> errors) {

    /** Used when a retryable failure has no better estimate (an upstream Retry-After, a limiter window). */
    public static final int DEFAULT_RETRY_AFTER_SECONDS = 30;

    public Problem {
        Objects.requireNonNull(errorType, "errorType");
        Objects.requireNonNull(detail, "detail");
        attempts = attempts == null || attempts.isEmpty() ? null : List.copyOf(attempts);
        errors = errors == null || errors.isEmpty() ? null : List.copyOf(errors);
    }

    /** The shape before {@code errors} existed; kept so existing callers compile unchanged. */
    public Problem(String type, String title, int status, String detail, String instance, ErrorType errorType,
            String service, boolean retryable, Integer retryAfterSeconds, ErrorContext errorContext,
            List<Attempt> attempts, TierHandling tierHandling) {
        this(type, title, status, detail, instance, errorType, service, retryable, retryAfterSeconds, errorContext,
                attempts, tierHandling, null);
    }

    /** A problem of the given type, with status, title and retryability as its error type fixes them. */
    public static Problem of(ErrorType errorType, String detail, String service, UserContext user, String requestId) {
        ErrorContext context = new ErrorContext(
                user == null ? null : user.userId(),
                requestId,
                service,
                errorType,
                user == null ? null : user.tier(),
                null);
        return new Problem(
                errorType.typeUri(),
                errorType.title(),
                errorType.status(),
                detail,
                requestId == null ? null : instanceFor(requestId),
                errorType,
                service,
                errorType.retryable(),
                errorType.retryable() ? DEFAULT_RETRY_AFTER_SECONDS : null,
                context,
                null,
                null);
    }

    public static String instanceFor(String requestId) {
        return "urn:verity:request:" + requestId;
    }

    public Problem withRetryAfterSeconds(int seconds) {
        if (!retryable) {
            return this;
        }
        return new Problem(type, title, status, detail, instance, errorType, service, retryable,
                Math.max(1, seconds), errorContext, attempts, tierHandling, errors);
    }

    public Problem withAttempts(List<Attempt> newAttempts) {
        return new Problem(type, title, status, detail, instance, errorType, service, retryable,
                retryAfterSeconds, errorContext, newAttempts, tierHandling, errors);
    }

    public Problem withErrorContext(ErrorContext context) {
        return new Problem(type, title, status, detail, instance, errorType, service, retryable,
                retryAfterSeconds, context, attempts, tierHandling, errors);
    }

    public Problem withTierHandling(TierHandling handling) {
        return new Problem(type, title, status, detail, instance, errorType, service, retryable,
                retryAfterSeconds, errorContext, attempts, handling, errors);
    }

    /** The invalid fields of the request, each with its row and reason ({@code data_validation_failed}). */
    public Problem withErrors(List<FieldError> fieldErrors) {
        return new Problem(type, title, status, detail, instance, errorType, service, retryable,
                retryAfterSeconds, errorContext, attempts, tierHandling, fieldErrors);
    }
}
