package dev.verity.runtime.rest;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Oversized bodies are refused before a resource runs, where Quarkus would answer with a bare
 * 413. {@code verity.http.max-body-size} is checked against Content-Length up front; the larger
 * {@code quarkus.http.limits.max-body-size} still caps chunked bodies, and its failure is mapped too.
 */
@ApplicationScoped
public class HttpFailures {

    private final RouteProblems problems;
    private final String service;
    private final long maxBodyBytes;

    public HttpFailures(RouteProblems problems, @ConfigProperty(name = "verity.service.name") String service,
            @ConfigProperty(name = "verity.http.max-body-size") MemorySize maxBody) {
        this.problems = problems;
        this.service = service;
        this.maxBodyBytes = maxBody.asLongValue();
    }

    void limitBodies(@Observes Filters filters) {
        filters.register(ctx -> {
            String length = ctx.request().getHeader("Content-Length");
            if (length != null && isOver(length)) {
                tooLarge(ctx);
            } else {
                ctx.next();
            }
        }, 1000);
    }

    void mapFailures(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(ctx -> {
            if (ctx.statusCode() == 413 && !ctx.response().headWritten()) {
                tooLarge(ctx);
            } else {
                ctx.next();
            }
        });
    }

    private boolean isOver(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void tooLarge(RoutingContext ctx) {
        String requestId = ctx.request().getHeader(Headers.REQUEST_ID);
        Problem problem = Problem.of(ErrorType.PAYLOAD_TOO_LARGE,
                "The request body exceeds the limit of " + maxBodyBytes + " bytes.", service, null,
                requestId == null ? UUID.randomUUID().toString() : requestId);
        problems.end(ctx, problem);
    }
}
