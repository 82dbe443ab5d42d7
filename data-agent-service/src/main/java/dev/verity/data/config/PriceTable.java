package dev.verity.data.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Prices used to re-price recorded calls in cost analysis:
 * {@code verity.prices.<model>.input-usd-per-mtok} and {@code output-usd-per-mtok}.
 */
@ConfigMapping(prefix = "verity.prices")
public interface PriceTable {

    @WithParentName
    Map<String, ModelPrice> models();

    interface ModelPrice {
        BigDecimal inputUsdPerMtok();

        BigDecimal outputUsdPerMtok();
    }
}
