package dev.verity.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Every unchecked request is counted; the log gets the first one, then one line per interval with the count. */
class UnenforcedLimitsTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final UnenforcedLimits limits = new UnenforcedLimits(Duration.ofSeconds(10), now::get);

    @Test
    void theFirstIsLoggedAtOnceThenOneLinePerIntervalCarriesTheCount() {
        UnenforcedLimits.Line first = limits.record("r-1", new TimeoutException("slow"));
        assertThat(first).isNotNull();
        assertThat(first.requests()).isEqualTo(1);
        assertThat(first.latestRequest()).isEqualTo("r-1");

        for (int i = 2; i <= 500; i++) {
            now.addAndGet(Duration.ofMillis(10).toNanos());
            assertThat(limits.record("r-" + i, new TimeoutException("slow"))).as("request %d", i).isNull();
        }
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        UnenforcedLimits.Line next = limits.record("r-501", new IllegalStateException("pool full"));

        assertThat(next).isNotNull();
        assertThat(next.requests()).isEqualTo(500);
        assertThat(next.latestRequest()).isEqualTo("r-501");
        assertThat(next.cause()).contains("pool full");
        assertThat(limits.total()).isEqualTo(501);
    }

    @Test
    void nothingIsLostBetweenLinesAndTheTotalKeepsEveryRequest() {
        limits.record("a", new TimeoutException());
        limits.record("b", new TimeoutException());
        limits.record("c", new TimeoutException());
        now.addAndGet(Duration.ofSeconds(11).toNanos());

        assertThat(limits.record("d", new TimeoutException()).requests()).isEqualTo(3);
        assertThat(limits.total()).isEqualTo(4);
    }
}
