package dev.verity.runtime.trace;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;

/**
 * Tracing costs nothing until an operator points it somewhere: unless
 * {@code quarkus.otel.sdk.disabled} is set explicitly, the OpenTelemetry SDK is disabled exactly
 * when no OTLP endpoint is configured ({@code QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT} or its traces
 * variant). Quarkus' own default exports to localhost:4317 whether or not anything listens there,
 * and builds a span for every request on the way; with the SDK disabled every tracer is a no-op.
 */
@Priority(Priorities.APPLICATION + 100)
public class TracingSwitch implements ConfigSourceInterceptor {

    static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    static final String ENDPOINT = "quarkus.otel.exporter.otlp.endpoint";
    static final String TRACES_ENDPOINT = "quarkus.otel.exporter.otlp.traces.endpoint";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!SDK_DISABLED.equals(name) || configured(value)) {
            return value;
        }
        boolean endpoint = configured(context.proceed(ENDPOINT)) || configured(context.proceed(TRACES_ENDPOINT));
        return ConfigValue.builder().withName(SDK_DISABLED).withValue(Boolean.toString(!endpoint))
                .withConfigSourceName(TracingSwitch.class.getSimpleName()).withConfigSourceOrdinal(1).build();
    }

    /**
     * Set by someone: properties files (ordinal 100 and 250), the environment (300), system properties (400).
     * Quarkus' own defaults live in sources below 100 and do not count as an operator's choice.
     */
    private static boolean configured(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank()
                && value.getConfigSourceOrdinal() >= 100;
    }
}
