package dev.verity.runtime.genai;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * The GenAI client metrics of the OpenTelemetry semantic conventions, as Prometheus histograms
 * beside each service's own meters: {@code gen_ai_client_token_usage} (by token type input/output)
 * and {@code gen_ai_client_operation_duration_seconds}, labelled with operation, provider, requested
 * and responding model, and {@code error_type} ({@code none} when the call answered). The buckets
 * are the ones the conventions recommend. Each service records the model calls it makes: the cascade
 * its provider calls ({@code gen_ai.provider.name="openai-compatible"}), the gateway and the execution
 * agent their calls to the cascade ({@code "verity"}). The data agent makes none and records none:
 * counting the calls it ingests would give Prometheus the cascade's series twice.
 */
@ApplicationScoped
public class GenAiMetrics {

    private static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
            4194304, 16777216, 67108864};
    private static final Duration[] DURATION_BUCKETS = {millis(10), millis(20), millis(40), millis(80), millis(160),
            millis(320), millis(640), millis(1280), millis(2560), millis(5120), millis(10240), millis(20480),
            millis(40960), millis(81920)};

    private final MeterRegistry registry;

    public GenAiMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * One model call as a client saw it.
     *
     * @param responseModel the model that answered, null when none did
     * @param inputTokens null when the call reported no usage (a failure, or a provider that sends none)
     * @param errorType the wire name of the failure, null when it answered
     */
    public void record(String provider, String requestModel, String responseModel, Integer inputTokens,
            Integer outputTokens, Duration duration, String errorType) {
        Tags tags = Tags.of(GenAi.OPERATION_NAME, GenAi.CHAT, GenAi.PROVIDER_NAME, orNone(provider),
                GenAi.REQUEST_MODEL, orNone(requestModel), GenAi.RESPONSE_MODEL, orNone(responseModel));
        Timer.builder(GenAi.OPERATION_DURATION)
                .description("GenAI operation duration")
                .tags(tags.and(GenAi.ERROR_TYPE, orNone(errorType)))
                .serviceLevelObjectives(DURATION_BUCKETS)
                .register(registry)
                .record(duration);
        if (inputTokens != null) {
            tokens(tags, "input").record(inputTokens);
        }
        if (outputTokens != null) {
            tokens(tags, "output").record(outputTokens);
        }
    }

    private DistributionSummary tokens(Tags tags, String type) {
        return DistributionSummary.builder(GenAi.TOKEN_USAGE)
                .description("Number of input and output tokens used")
                .tags(tags.and(GenAi.TOKEN_TYPE, type))
                .serviceLevelObjectives(TOKEN_BUCKETS)
                .register(registry);
    }

    private static String orNone(String value) {
        return value == null || value.isBlank() ? GenAi.NONE : value;
    }

    private static Duration millis(long ms) {
        return Duration.ofMillis(ms);
    }
}
