package dev.verity.cascade.client;

import dev.verity.cascade.config.CascadeConfig.ModelConfig;
import java.time.Duration;
import java.util.Optional;

/** One configured model, resolved from {@code verity.models.<name>.*}. */
public record ModelSpec(
        String name,
        String baseUrl,
        Optional<String> apiKey,
        String upstreamModel,
        int tier,
        Optional<Double> inputUsdPerMtok,
        Optional<Double> outputUsdPerMtok,
        int contextWindow,
        Duration timeout,
        int maxConcurrency,
        Duration streamIdleTimeout) {

    /** Provider label in provenance and usage events: every provider speaks this protocol. */
    public static final String PROVIDER = "openai-compatible";

    public static ModelSpec of(String name, ModelConfig config) {
        return new ModelSpec(name, config.baseUrl(), config.apiKey().filter(k -> !k.isBlank()),
                config.upstreamModel().orElse(name), config.tier(), config.inputUsdPerMtok(),
                config.outputUsdPerMtok(), config.contextWindow(), config.timeout(), Math.max(1, config.maxConcurrency()),
                config.streamIdleTimeout());
    }

    public String completionsUrl() {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return base + "/chat/completions";
    }

    /** Sort key: cheaper output first within a tier; unknown prices last. */
    public double priceRank() {
        return inputUsdPerMtok.orElse(Double.MAX_VALUE / 4) + outputUsdPerMtok.orElse(Double.MAX_VALUE / 4);
    }
}
