package dev.verity.runtime.trace;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The W3C {@code traceparent} of the current context, for what travels outside HTTP (the usage
 * event in Redis), and the context such a value continues. HTTP calls need nothing from here: the
 * REST client and the Vert.x HTTP client inject the header themselves. With tracing off (no OTLP
 * endpoint) the propagator is a no-op: {@link #traceparent()} is null and {@link #continued}
 * returns the current context unchanged.
 */
@ApplicationScoped
public class TraceContext {

    public static final String TRACEPARENT = "traceparent";

    private static final TextMapGetter<Map<String, String>> MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final TextMapPropagator propagator;

    public TraceContext(OpenTelemetry openTelemetry) {
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    /** The current span's {@code traceparent}, or null when there is no sampled span (tracing off). */
    public String traceparent() {
        Map<String, String> carrier = new HashMap<>(2);
        propagator.inject(Context.current(), carrier, Map::put);
        return carrier.get(TRACEPARENT);
    }

    /** The context a recorded {@code traceparent} continues; the current one when it is null or unreadable. */
    public Context continued(String traceparent) {
        if (traceparent == null || traceparent.isBlank()) {
            return Context.current();
        }
        return propagator.extract(Context.current(), Map.of(TRACEPARENT, traceparent), MAP);
    }

    /** The propagation fields this service reads and writes (for tests and docs). */
    public List<String> fields() {
        return List.copyOf(propagator.fields());
    }
}
