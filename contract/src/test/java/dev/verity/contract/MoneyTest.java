package dev.verity.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Instant;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class MoneyTest {

    @Example
    void theCostThatUsedToBeRejectedIsExact() {
        // 10 × 0.15 / 1e6 + 15 × 0.6 / 1e6 was 1.0500000000000001E-5 as a double.
        BigDecimal cost = Money.callCost(10, 15, new BigDecimal("0.15"), new BigDecimal("0.6"));

        assertThat(cost).isEqualTo(new BigDecimal("0.000010500000"));
        assertThat(cost.toPlainString()).isEqualTo("0.000010500000");
    }

    @Example
    void oneTokenAtACheapPriceIsWrittenWithoutAnExponent() throws Exception {
        BigDecimal cost = Money.callCost(1, 0, new BigDecimal("0.15"), new BigDecimal("0.6"));

        String json = JsonShapes.MAPPER.writeValueAsString(event(cost));

        assertThat(json).contains("\"cost_usd\":0.000000150000");
    }

    @Example
    void pricesFinerThanSixDecimalsAreRoundedHalfEvenAtTwelvePlaces() {
        // 1 × 0.0000005 / 1e6 = 5E-13: exactly half of the last place, rounds to even (0).
        assertThat(Money.callCost(1, 0, new BigDecimal("0.0000005"), BigDecimal.ZERO))
                .isEqualTo(new BigDecimal("0.000000000000"));
        // 3 × 0.0000005 / 1e6 = 1.5E-12: half, rounds to even (2E-12).
        assertThat(Money.callCost(3, 0, new BigDecimal("0.0000005"), BigDecimal.ZERO))
                .isEqualTo(new BigDecimal("0.000000000002"));
    }

    @Example
    void negativeTokenCountsAreRefused() {
        assertThatThrownBy(() -> Money.callCost(-1, 0, BigDecimal.ONE, BigDecimal.ONE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 5000)
    void pricesWithUpToSixDecimalsGiveAnExactCost(@ForAll @IntRange(min = 0, max = 2_000_000) int prompt,
            @ForAll @IntRange(min = 0, max = 2_000_000) int completion,
            @ForAll("prices") BigDecimal input, @ForAll("prices") BigDecimal output) {
        BigDecimal cost = Money.callCost(prompt, completion, input, output);

        assertThat(cost.scale()).isEqualTo(Money.SCALE);
        // Nothing was rounded away: multiplying back gives the exact price × tokens.
        BigDecimal exact = input.multiply(BigDecimal.valueOf(prompt)).add(output.multiply(BigDecimal.valueOf(completion)));
        assertThat(cost.multiply(BigDecimal.valueOf(1_000_000))).isEqualByComparingTo(exact);
    }

    @Property(tries = 2000)
    void aCostSurvivesTheJsonOfAUsageEventDigitForDigit(@ForAll @IntRange(min = 0, max = 2_000_000) int prompt,
            @ForAll @IntRange(min = 0, max = 2_000_000) int completion,
            @ForAll("prices") BigDecimal input, @ForAll("prices") BigDecimal output) throws Exception {
        BigDecimal cost = Money.callCost(prompt, completion, input, output);

        String json = JsonShapes.MAPPER.writeValueAsString(event(cost));
        JsonNode read = JsonShapes.MAPPER.readTree(json);

        assertThat(json).doesNotContain("E-").doesNotContain("E+").contains("\"cost_usd\":" + cost.toPlainString());
        assertThat(read.get("cost_usd").decimalValue()).isEqualTo(cost);
    }

    /** USD per million tokens: 0 to 1,000 with 0 to 6 decimal places, as written in configuration. */
    @Provide
    Arbitrary<BigDecimal> prices() {
        return Arbitraries.integers().between(0, 6).flatMap(scale -> Arbitraries.longs()
                .between(0, 1_000L * BigDecimal.TEN.pow(scale).longValueExact())
                .map(unscaled -> BigDecimal.valueOf(unscaled, scale)));
    }

    private static UsageEvent event(BigDecimal cost) {
        return new UsageEvent("e-1", "org", "user", "req", "small", "openai-compatible", 1, 0, cost, 12,
                UsageEvent.Outcome.SUCCESS, null, false, false, Instant.parse("2026-11-25T10:00:00Z"));
    }
}
