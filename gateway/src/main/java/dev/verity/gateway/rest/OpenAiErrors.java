package dev.verity.gateway.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * On the OpenAI-compatible path every problem leaves in OpenAI's error shape
 * ({@code {"error":{"message","type","code"}}}) with the same HTTP status and Retry-After, so the
 * official SDKs raise their typed exceptions. The full problem rides along as {@code problem}.
 */
public class OpenAiErrors {

    static final String PATH = "/v1/chat/completions";

    @ServerResponseFilter
    public void toOpenAiShape(ContainerRequestContext request, ContainerResponseContext response) {
        if (!(response.getEntity() instanceof Problem problem) || !PATH.equals(request.getUriInfo().getPath())) {
            return;
        }
        response.setEntity(OpenAiError.of(problem), null, MediaType.APPLICATION_JSON_TYPE);
        response.getHeaders().putSingle("Content-Type", MediaType.APPLICATION_JSON);
        // The OpenAI SDKs follow this header when deciding whether to retry.
        response.getHeaders().putSingle("x-should-retry", String.valueOf(problem.retryable()));
        if (problem.instance() != null && problem.errorContext() != null && problem.errorContext().requestId() != null) {
            response.getHeaders().putSingle(Headers.VERITY_REQUEST_ID, problem.errorContext().requestId());
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OpenAiError(@JsonProperty("error") Body error, @JsonProperty("problem") Problem problem) {

        static OpenAiError of(Problem problem) {
            return new OpenAiError(new Body(problem.detail(), category(problem.status()), problem.errorType().wire(), null),
                    problem);
        }

        /** OpenAI's error categories, by status. */
        private static String category(int status) {
            return switch (status) {
                case 400, 413, 422 -> "invalid_request_error";
                case 401 -> "authentication_error";
                case 403 -> "permission_error";
                case 404 -> "not_found_error";
                case 429 -> "rate_limit_error";
                default -> "server_error";
            };
        }
    }

    public record Body(@JsonProperty("message") String message, @JsonProperty("type") String type,
                       @JsonProperty("code") String code, @JsonProperty("param") String param) {
    }
}
