package dev.verity.data.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.UsageEvent;
import dev.verity.runtime.trace.TraceContext;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * Ingestion joins the trace of the request that made the call: every usage event carrying a
 * {@code traceparent} gets a {@code usage ingest} span in that trace, from its read off the stream
 * to its commit (or its move to the dead-letter stream, marked as an error). Events without one
 * (tracing off in the cascade) get no span.
 */
@ApplicationScoped
public class IngestSpans {

    private final Tracer tracer;
    private final TraceContext traces;

    public IngestSpans(Tracer tracer, TraceContext traces) {
        this.tracer = tracer;
        this.traces = traces;
    }

    public Batch batch() {
        return new Batch();
    }

    /** The spans of one batch read from the stream. */
    public final class Batch {

        private final List<Span> stored = new ArrayList<>();

        /** An event read; {@code reason} is why it is dead-lettered, null when it will be stored. */
        public void received(JsonNode event, String reason) {
            JsonNode traceparent = event == null ? null : event.get(TraceContext.TRACEPARENT);
            if (traceparent == null || !traceparent.isTextual()) {
                return;
            }
            Span span = tracer.spanBuilder("usage ingest")
                    .setParent(traces.continued(traceparent.asText()))
                    .setSpanKind(SpanKind.CONSUMER)
                    .setAttribute("messaging.system", "redis")
                    .setAttribute("messaging.destination.name", UsageEvent.STREAM)
                    .setAttribute("messaging.operation.type", "process")
                    .startSpan();
            if (reason != null) {
                span.setAttribute("error.type", "dead_lettered");
                span.setStatus(StatusCode.ERROR, reason);
                span.end();
            } else {
                stored.add(span);
            }
        }

        public void committed() {
            stored.forEach(Span::end);
        }

        public void failed(Throwable failure) {
            // The entries stay pending and are read again: this attempt failed, the events are not lost.
            stored.forEach(span -> {
                span.setAttribute("error.type", "retry_later");
                span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
                span.end();
            });
        }
    }
}
