package dev.verity.cascade.client;

import dev.verity.cascade.config.CascadeConfig.ModelConfig;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;

/** One configured model, resolved from {@code verity.models.<name>.*}. */
public record ModelSpec(
        String name,
        String baseUrl,
        Optional<String> apiKey,
        String upstreamModel,
        int tier,
        Optional<BigDecimal> inputUsdPerMtok,
        Optional<BigDecimal> outputUsdPerMtok,
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

    /** Sort order within a tier: cheaper (input + output price) first, models with an unknown price last. */
    public static final Comparator<ModelSpec> BY_PRICE = Comparator.comparing(ModelSpec::priceRank,
            Comparator.nullsLast(Comparator.naturalOrder()));

    /** Input plus output price, or null when either is unknown. */
    public BigDecimal priceRank() {
        return inputUsdPerMtok.isPresent() && outputUsdPerMtok.isPresent()
                ? inputUsdPerMtok.get().add(outputUsdPerMtok.get()) : null;
    }
}
