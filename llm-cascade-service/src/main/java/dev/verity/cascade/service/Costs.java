package dev.verity.cascade.service;

import dev.verity.cascade.client.ModelSpec;
import dev.verity.contract.Usage;

/** Money from the provider's own token counts and the configured price table. */
public final class Costs {

    private static final double PER_MILLION = 1_000_000d;

    private Costs() {
    }

    /** USD for this usage, or null when the usage or a price is unknown: unknown is never zero. */
    public static Double of(ModelSpec model, Usage usage) {
        if (usage == null || model.inputUsdPerMtok().isEmpty() || model.outputUsdPerMtok().isEmpty()) {
            return null;
        }
        return usage.promptTokens() * model.inputUsdPerMtok().get() / PER_MILLION
                + usage.completionTokens() * model.outputUsdPerMtok().get() / PER_MILLION;
    }
}
