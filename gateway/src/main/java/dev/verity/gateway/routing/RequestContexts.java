package dev.verity.gateway.routing;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import dev.verity.gateway.config.RequestConfig;
import dev.verity.runtime.rest.ProblemException;
import dev.verity.runtime.security.Callers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.jwt.JsonWebToken;

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
        return new RequestContext(user, jwt.getRawToken(), requestId, deadline(headers, user, requestId));
    }

    private static String requestId(HttpHeaders headers) {
        String id = headers.getHeaderString(Headers.REQUEST_ID);
        return id == null || id.isBlank() ? UUID.randomUUID().toString() : id.trim();
    }

    private Instant deadline(HttpHeaders headers, UserContext user, String requestId) {
        Instant now = Instant.now();
        Instant latest = now.plus(config.maxBudget());
        String header = headers.getHeaderString(Headers.REQUEST_DEADLINE);
        if (header == null || header.isBlank()) {
            return now.plus(config.defaultBudget());
        }
        long epochMillis;
        try {
            epochMillis = Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            throw invalid("X-Request-Deadline must be epoch milliseconds.", user, requestId);
        }
        Instant requested = Instant.ofEpochMilli(epochMillis);
        if (!requested.isAfter(now)) {
            throw invalid("X-Request-Deadline is already in the past.", user, requestId);
        }
        return requested.isAfter(latest) ? latest : requested;
    }

    private static ProblemException invalid(String detail, UserContext user, String requestId) {
        return new ProblemException(Problem.of(ErrorType.INVALID_REQUEST, detail, Services.GATEWAY, user, requestId));
    }
}
