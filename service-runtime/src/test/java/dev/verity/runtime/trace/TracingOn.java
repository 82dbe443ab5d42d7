package dev.verity.runtime.trace;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Tracing on, exporting to the test's in-memory exporter only (a {@code SpanExporter} bean the
 * service's tests produce): the SDK enabled explicitly, the OTLP exporter off, batches flushed fast.
 */
public class TracingOn implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.otel.sdk.disabled", "false",
                "quarkus.otel.exporter.otlp.enabled", "false",
                "quarkus.otel.bsp.schedule.delay", "20ms");
    }
}
