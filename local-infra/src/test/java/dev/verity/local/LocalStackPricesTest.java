package dev.verity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalStackPricesTest {

    @Test
    void dataAgentRepricesWithTheModelsOwnPrices() {
        Map<String, String> prices = LocalStack.dataAgentPrices(Map.of(
                "VERITY_MODELS_SMALL_BASE_URL", "http://localhost:11434/v1",
                "VERITY_MODELS_SMALL_INPUT_USD_PER_MTOK", "0.15",
                "VERITY_MODELS_SMALL_OUTPUT_USD_PER_MTOK", "0.60"));

        assertThat(prices).containsExactlyInAnyOrderEntriesOf(Map.of(
                "VERITY_PRICES_SMALL_INPUT_USD_PER_MTOK", "0.15",
                "VERITY_PRICES_SMALL_OUTPUT_USD_PER_MTOK", "0.60"));
    }

    @Test
    void anExplicitPriceTableWinsOverTheModelsPrices() {
        Map<String, String> prices = LocalStack.dataAgentPrices(Map.of(
                "VERITY_MODELS_LARGE_INPUT_USD_PER_MTOK", "5.00",
                "VERITY_PRICES_LARGE_INPUT_USD_PER_MTOK", "2.50"));

        assertThat(prices).containsExactly(Map.entry("VERITY_PRICES_LARGE_INPUT_USD_PER_MTOK", "2.50"));
    }

    @Test
    void noModelPricesMeansNoPriceTable() {
        assertThat(LocalStack.dataAgentPrices(Map.of("VERITY_MODELS_SMALL_BASE_URL", "http://x"))).isEmpty();
    }
}
