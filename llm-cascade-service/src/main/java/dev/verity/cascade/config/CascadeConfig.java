package dev.verity.cascade.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The model table: {@code verity.models.<name>.*}, overridable per environment
 * variable ({@code VERITY_MODELS_SMALL_BASE_URL}). No entry at all is a valid configuration: the
 * service then reports itself unavailable and answers every completion with {@code llm_unavailable}.
 */
@ConfigMapping(prefix = "verity.models")
public interface CascadeConfig {

    @WithParentName
    Map<String, ModelConfig> models();

    interface ModelConfig {
        /** OpenAI-compatible base URL, ending before {@code /chat/completions}. */
        String baseUrl();

        /** Bearer key; optional for local servers; never logged. */
        Optional<String> apiKey();

        /** Model id sent upstream; the configured name when absent. */
        Optional<String> upstreamModel();

        /** Cascade tier, 1 = cheapest. */
        @WithDefault("1")
        int tier();

        /**
         * Price per million input tokens in USD, read as a decimal with the digits it was written with;
         * without it costs are reported as unknown, never as zero.
         */
        Optional<BigDecimal> inputUsdPerMtok();

        Optional<BigDecimal> outputUsdPerMtok();

        @WithDefault("8192")
        int contextWindow();

        @WithDefault("20s")
        Duration timeout();

        @WithDefault("16")
        int maxConcurrency();

        /**
         * Longest silence between two streamed chunks once a stream has started; past it the stream
         * ends with an {@code llm_timeout} error event. The wait for the first chunk is {@link #timeout()}.
         */
        @WithDefault("30s")
        Duration streamIdleTimeout();
    }
}
