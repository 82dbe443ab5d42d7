package dev.verity.runtime.rest;

import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.UUID;

/** Turns a {@link Problem} into its HTTP form: status, problem+json, Retry-After when retryable. */
public final class ProblemResponses {

    private ProblemResponses() {
    }

    public static Response of(Problem problem) {
        Response.ResponseBuilder builder = Response.status(problem.status())
                .type(Headers.PROBLEM_JSON)
                .entity(problem);
        if (problem.retryable() && problem.retryAfterSeconds() != null) {
            builder.header(Headers.RETRY_AFTER, problem.retryAfterSeconds());
        }
        return builder.build();
    }

    /** The caller's request id, or a new one when the caller sent none. */
    public static String requestId(HttpHeaders headers) {
        String id = headers == null ? null : headers.getHeaderString(Headers.REQUEST_ID);
        return id == null || id.isBlank() ? UUID.randomUUID().toString() : id;
    }
}
