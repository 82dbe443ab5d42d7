package dev.verity.runtime.trace;

import dev.verity.contract.Headers;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Ties a request's log lines to its trace: {@code request_id} (the {@code X-Request-Id} the caller
 * or the gateway gave it, which the gateway answers as {@code x-verity-request-id}), {@code trace_id}
 * and {@code span_id} go into the MDC, so JSON console logs ({@code quarkus.log.console.json=true})
 * carry them on every line written while the request runs. Without tracing only the request id is there.
 */
public class RequestLogContext {

    public static final String REQUEST_ID = "request_id";
    public static final String TRACE_ID = "trace_id";
    public static final String SPAN_ID = "span_id";

    @ServerRequestFilter(preMatching = true)
    public void tag(ContainerRequestContext request) {
        String requestId = request.getHeaderString(Headers.REQUEST_ID);
        if (requestId != null && !requestId.isBlank()) {
            MDC.put(REQUEST_ID, requestId.trim());
        } else {
            MDC.remove(REQUEST_ID);
        }
        SpanContext span = Span.current().getSpanContext();
        if (span.isValid()) {
            MDC.put(TRACE_ID, span.getTraceId());
            MDC.put(SPAN_ID, span.getSpanId());
        } else {
            MDC.remove(TRACE_ID);
            MDC.remove(SPAN_ID);
        }
    }
}
