package dev.verity.runtime.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RepeatedWarningTest {

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final RepeatedWarning warning = new RepeatedWarning(Duration.ofSeconds(10), clock::get);

    @Test
    void theFirstOccurrenceIsLoggedAtOnce() {
        RepeatedWarning.Line line = warning.record("event a");

        assertThat(line).isEqualTo(new RepeatedWarning.Line(1, "event a"));
    }

    @Test
    void occurrencesWithinTheIntervalAreCountedNotLoggedAndTheNextLineSaysHowMany() {
        warning.record("event a");
        for (int i = 0; i < 499; i++) {
            clock.addAndGet(Duration.ofMillis(10).toNanos());
            assertThat(warning.record("event " + i)).isNull();
        }
        clock.addAndGet(Duration.ofSeconds(6).toNanos());

        RepeatedWarning.Line line = warning.record("event last");

        assertThat(line).isEqualTo(new RepeatedWarning.Line(500, "event last"));
        assertThat(warning.total()).isEqualTo(501);
    }

    @Test
    void nothingIsCountedBeforeTheFirstOccurrence() {
        assertThat(warning.total()).isZero();
    }
}
