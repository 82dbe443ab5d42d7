package dev.verity.cascade.service;

import dev.verity.cascade.client.ModelSpec;
import dev.verity.contract.Money;
import dev.verity.contract.Usage;
import java.math.BigDecimal;

/** Money from the provider's own token counts and the configured price table ({@link Money#callCost}). */
public final class Costs {

    private Costs() {
    }

    /** USD for this usage, or null when the usage or a price is unknown: unknown is never zero. */
    public static BigDecimal of(ModelSpec model, Usage usage) {
        if (usage == null || model.inputUsdPerMtok().isEmpty() || model.outputUsdPerMtok().isEmpty()) {
            return null;
        }
        return Money.callCost(usage.promptTokens(), usage.completionTokens(), model.inputUsdPerMtok().get(),
                model.outputUsdPerMtok().get());
    }
}
