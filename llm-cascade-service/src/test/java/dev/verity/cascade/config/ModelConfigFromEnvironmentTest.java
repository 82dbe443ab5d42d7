package dev.verity.cascade.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Operators configure models through environment variables such as VERITY_MODELS_SMALL_BASE_URL. */
class ModelConfigFromEnvironmentTest {

    private static CascadeConfig configFrom(Map<String, String> env) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(env, 300))
                // Quarkus' own converter, so "12s" reads as it does in the service.
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(CascadeConfig.class)
                .build();
        return config.getConfigMapping(CascadeConfig.class);
    }

    @Test
    void environmentVariablesPopulateTheModelTable() {
        CascadeConfig config = configFrom(Map.ofEntries(
                Map.entry("VERITY_MODELS_SMALL_BASE_URL", "http://vllm:8000/v1"),
                Map.entry("VERITY_MODELS_SMALL_API_KEY", "sk-env"),
                Map.entry("VERITY_MODELS_SMALL_TIER", "1"),
                Map.entry("VERITY_MODELS_SMALL_INPUT_USD_PER_MTOK", "0.15"),
                Map.entry("VERITY_MODELS_SMALL_OUTPUT_USD_PER_MTOK", "0.6"),
                Map.entry("VERITY_MODELS_SMALL_CONTEXT_WINDOW", "16000"),
                Map.entry("VERITY_MODELS_SMALL_TIMEOUT", "12s"),
                Map.entry("VERITY_MODELS_SMALL_MAX_CONCURRENCY", "3"),
                Map.entry("VERITY_MODELS_SMALL_STREAM_IDLE_TIMEOUT", "45s"),
                Map.entry("VERITY_MODELS_LARGE2_BASE_URL", "https://api.example.com/v1"),
                Map.entry("VERITY_MODELS_LARGE2_UPSTREAM_MODEL", "gpt-large-2026")));

        assertThat(config.models()).containsOnlyKeys("small", "large2");
        CascadeConfig.ModelConfig small = config.models().get("small");
        assertThat(small.baseUrl()).isEqualTo("http://vllm:8000/v1");
        assertThat(small.apiKey()).contains("sk-env");
        assertThat(small.tier()).isEqualTo(1);
        // The digits as written: 0.15 is the decimal 0.15, not the nearest double.
        assertThat(small.inputUsdPerMtok()).contains(new java.math.BigDecimal("0.15"));
        assertThat(small.outputUsdPerMtok()).contains(new java.math.BigDecimal("0.6"));
        assertThat(small.contextWindow()).isEqualTo(16000);
        assertThat(small.timeout()).isEqualTo(Duration.ofSeconds(12));
        assertThat(small.maxConcurrency()).isEqualTo(3);
        assertThat(small.streamIdleTimeout()).isEqualTo(Duration.ofSeconds(45));
        CascadeConfig.ModelConfig large = config.models().get("large2");
        assertThat(large.upstreamModel()).contains("gpt-large-2026");
        assertThat(large.inputUsdPerMtok()).isEmpty();
        assertThat(large.streamIdleTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void noVariablesMeansNoModels() {
        assertThat(configFrom(Map.of("PATH", "/usr/bin")).models()).isEmpty();
    }
}
