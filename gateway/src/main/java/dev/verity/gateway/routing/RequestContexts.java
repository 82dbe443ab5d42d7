package dev.verity.gateway.routing;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import dev.verity.gateway.config.RequestConfig;
import dev.verity.runtime.rest.ProblemException;
import dev.verity.runtime.rest.RequestDeadline;
import dev.verity.runtime.security.Callers;
import dev.verity.runtime.trace.RequestLogContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.MDC;

/** Builds the {@link RequestContext} of a public request from its verified token and headers. */
@ApplicationScoped
public class RequestContexts {

    private final RequestConfig config;

    public RequestContexts(RequestConfig config) {
        this.config = config;
    }

    public RequestContext of(JsonWebToken jwt, HttpHeaders headers) {
        UserContext user = Callers.of(jwt);
        String requestId = requestId(headers);
        // A generated id too: the gateway's log lines carry the x-verity-request-id the caller gets back.
        MDC.put(RequestLogContext.REQUEST_ID, requestId);
        return new RequestContext(user, jwt.getRawToken(), requestId, deadline(headers, user, requestId));
    }

    private static String requestId(HttpHeaders headers) {
        String id = headers.getHeaderString(Headers.REQUEST_ID);
        return id == null || id.isBlank() ? UUID.randomUUID().toString() : id.trim();
    }

    private Instant deadline(HttpHeaders headers, UserContext user, String requestId) {
        Instant now = Instant.now();
        Instant latest = now.plus(config.maxBudget());
        return switch (RequestDeadline.of(headers)) {
            case RequestDeadline.Absent absent -> now.plus(config.defaultBudget());
            case RequestDeadline.Malformed malformed -> throw invalid("X-Request-Deadline must be epoch milliseconds.", user, requestId);
            case RequestDeadline.At at when !at.instant().isAfter(now) ->
                    throw invalid("X-Request-Deadline is already in the past.", user, requestId);
            case RequestDeadline.At at -> at.instant().isAfter(latest) ? latest : at.instant();
        };
    }

    private static ProblemException invalid(String detail, UserContext user, String requestId) {
        return new ProblemException(Problem.of(ErrorType.INVALID_REQUEST, detail, Services.GATEWAY, user, requestId));
    }
}
