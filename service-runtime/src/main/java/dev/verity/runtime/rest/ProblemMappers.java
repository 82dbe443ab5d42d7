package dev.verity.runtime.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every failure leaves a service as {@code application/problem+json} (DESIGN §4). Details
 * describe the caller's own input only; exception text stays in the log with the request id.
 * A field is named by its path in the body, {@code messages[0].role}, in every service.
 */
public class ProblemMappers {

    private final String service;
    private final String unknownFieldAdvice;

    /**
     * @param unknownFieldAdvice a sentence a service adds after "Unknown field 'x'." (the cascade
     *     explains that it does not ignore OpenAI parameters it would not honour)
     */
    public ProblemMappers(@ConfigProperty(name = "verity.service.name") String service,
            @ConfigProperty(name = "verity.problems.unknown-field-advice") Optional<String> unknownFieldAdvice) {
        this.service = service;
        this.unknownFieldAdvice = unknownFieldAdvice.map(advice -> " " + advice).orElse("");
    }

    /** A request ended early by the service's own checks: the problem is already complete. */
    @ServerExceptionMapper
    public Response ended(ProblemException e) {
        return ProblemResponses.of(e.problem());
    }

    @ServerExceptionMapper
    public Response unauthenticated(UnauthorizedException e, HttpHeaders headers) {
        return problem(ErrorType.UNAUTHENTICATED, "A valid bearer token is required.", headers);
    }

    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e, HttpHeaders headers) {
        return problem(ErrorType.UNAUTHENTICATED, "The bearer token is invalid or expired.", headers);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, HttpHeaders headers) {
        return problem(ErrorType.FORBIDDEN, "You do not have access to this resource.", headers);
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e, HttpHeaders headers) {
        String path = path(e);
        return problem(ErrorType.INVALID_REQUEST, "Unknown field '" + (path.isEmpty() ? e.getPropertyName() : path)
                + "'." + unknownFieldAdvice, headers);
    }

    /** Also claims the type mismatches that quarkus-rest-jackson would otherwise answer with an empty 400. */
    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER - 100)
    public Response wrongType(MismatchedInputException e, HttpHeaders headers) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            return unknownField(unknown, headers);
        }
        return badJson(e, headers);
    }

    @ServerExceptionMapper
    public Response badJson(JsonProcessingException e, HttpHeaders headers) {
        String detail = "The request body is not valid JSON for this endpoint.";
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = path(mapping);
            detail = "Field '" + field + "' has the wrong type or format.";
        }
        return problem(ErrorType.INVALID_REQUEST, detail, headers);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, HttpHeaders headers) {
        // Jackson failures arrive wrapped when the body cannot be read at all.
        if (e.getCause() instanceof UnrecognizedPropertyException unknown) {
            return unknownField(unknown, headers);
        }
        if (e.getCause() instanceof JsonProcessingException json) {
            return badJson(json, headers);
        }
        int status = e.getResponse().getStatus();
        return switch (status) {
            case 401 -> problem(ErrorType.UNAUTHENTICATED, "A valid bearer token is required.", headers);
            case 403 -> problem(ErrorType.FORBIDDEN, "You do not have access to this resource.", headers);
            case 404 -> problem(ErrorType.NOT_FOUND, "No such resource.", headers);
            case 405 -> problem(ErrorType.METHOD_NOT_ALLOWED, "This method is not allowed on this resource.", headers);
            case 413 -> problem(ErrorType.PAYLOAD_TOO_LARGE, "The request body exceeds the size limit.", headers);
            case 406 -> problem(ErrorType.INVALID_REQUEST, "This resource answers application/json only.", headers);
            case 415 -> problem(ErrorType.INVALID_REQUEST, "Send the request body as application/json.", headers);
            default -> status < 500
                    ? problem(ErrorType.INVALID_REQUEST, "The request could not be processed as sent.", headers)
                    : unexpected(e, headers);
        };
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, HttpHeaders headers) {
        String requestId = ProblemResponses.requestId(headers);
        Log.errorf(e, "unexpected failure, request %s", requestId);
        return ProblemResponses.of(Problem.of(ErrorType.INTERNAL_ERROR,
                "The service failed unexpectedly. The failure is logged under this request id.", service, null, requestId));
    }

    /** {@code messages[0].foo}: where in the body the failure is. */
    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private Response problem(ErrorType type, String detail, HttpHeaders headers) {
        return ProblemResponses.of(Problem.of(type, detail, service, null, ProblemResponses.requestId(headers)));
    }
}
