package dev.verity.cascade.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The selection reasoning says a score as {@code %.2f} did; the cheaper writer must say the same. */
class TwoDecimalsTest {

    @Test
    void everyScoreTheScorerCanGiveIsWrittenAsFormatterWroteIt() {
        // Scores are rounded to three places (QualityScorer), so these are all there are.
        for (int thousandths = 0; thousandths <= 1000; thousandths++) {
            double score = thousandths / 1000.0;
            assertThat(Cascade.twoDecimals(score)).as("score %s", score)
                    .isEqualTo(String.format(Locale.ROOT, "%.2f", score));
        }
    }

    @Test
    void halfwayAndArbitraryValuesRoundAsFormatterDoes() {
        assertThat(Cascade.twoDecimals(0.125)).isEqualTo("0.13");
        assertThat(Cascade.twoDecimals(1.005)).isEqualTo(String.format(Locale.ROOT, "%.2f", 1.005));
        Random random = new Random(19);
        for (int i = 0; i < 10_000; i++) {
            double value = random.nextDouble() * 2;
            assertThat(Cascade.twoDecimals(value)).as("value %s", value)
                    .isEqualTo(String.format(Locale.ROOT, "%.2f", value));
        }
    }
}
