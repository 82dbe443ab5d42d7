package dev.verity.contract;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * Money on the wire and in storage: USD as {@link BigDecimal}, never a binary floating-point
 * number. A call's cost is computed here and only here, from the provider's integer token counts
 * and the configured decimal prices (USD per million tokens):
 *
 * <pre>cost_usd = (prompt_tokens × input_usd_per_mtok + completion_tokens × output_usd_per_mtok) / 1,000,000</pre>
 *
 * rounded to {@link #SCALE} (12) decimal places with {@link #ROUNDING} (HALF_EVEN). With prices of
 * up to 6 decimal places the result is exact: no rounding happens at all. Every cost therefore has
 * exactly 12 decimal places, which {@code llm_calls.cost_usd NUMERIC(24, 12)} stores without change,
 * and JSON carries it as a plain number with all its digits (no exponent: the services' JSON mapper
 * writes {@code BigDecimal} plain and reads floating-point numbers as {@code BigDecimal}).
 */
public final class Money {

    /** Decimal places of every money figure Verity computes and stores. */
    public static final int SCALE = 12;
    public static final RoundingMode ROUNDING = RoundingMode.HALF_EVEN;
    /** The largest cost one call may carry (the data agent rejects larger ones). */
    public static final BigDecimal MAX_CALL_COST = new BigDecimal("999999999");

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private Money() {
    }

    /** A call's cost in USD from its token counts and the per-million-token prices. */
    public static BigDecimal callCost(long promptTokens, long completionTokens, BigDecimal inputUsdPerMtok,
            BigDecimal outputUsdPerMtok) {
        Objects.requireNonNull(inputUsdPerMtok, "inputUsdPerMtok");
        Objects.requireNonNull(outputUsdPerMtok, "outputUsdPerMtok");
        if (promptTokens < 0 || completionTokens < 0) {
            throw new IllegalArgumentException("token counts cannot be negative");
        }
        BigDecimal perMillion = inputUsdPerMtok.multiply(BigDecimal.valueOf(promptTokens))
                .add(outputUsdPerMtok.multiply(BigDecimal.valueOf(completionTokens)));
        return perMillion.divide(MILLION, SCALE, ROUNDING);
    }

    /** The amount at Verity's money scale; null stays null (unknown is never zero). */
    public static BigDecimal scaled(BigDecimal usd) {
        return usd == null ? null : usd.setScale(SCALE, ROUNDING);
    }
}
