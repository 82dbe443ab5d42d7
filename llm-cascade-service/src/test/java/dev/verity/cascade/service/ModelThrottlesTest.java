package dev.verity.cascade.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ModelThrottlesTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final ModelThrottles throttles = new ModelThrottles(now::get);

    @Test
    void aModelNobodyThrottledMayBeCalled() {
        assertThat(throttles.leftMs("fast")).isLessThanOrEqualTo(0);
    }

    @Test
    void aThrottledModelWaitsTheProvidersSecondsThenMayBeCalledAgain() {
        throttles.throttle("fast", 30);

        assertThat(throttles.leftMs("fast")).isEqualTo(30_000);
        assertThat(throttles.leftMs("other")).isLessThanOrEqualTo(0);
        now.addAndGet(29_999);
        assertThat(throttles.leftMs("fast")).isEqualTo(1);
        now.addAndGet(1);
        assertThat(throttles.leftMs("fast")).isLessThanOrEqualTo(0);
    }

    @Test
    void anAbsurdRetryAfterIsCappedAtAnHour() {
        throttles.throttle("fast", Integer.MAX_VALUE);

        assertThat(throttles.leftMs("fast")).isEqualTo(ModelThrottles.MAX_THROTTLE_MS);
    }

    @Test
    void clearingForgetsEveryThrottle() {
        throttles.throttle("fast", 60);
        throttles.throttle("slow", 60);

        throttles.clear();

        assertThat(throttles.leftMs("fast")).isLessThanOrEqualTo(0);
        assertThat(throttles.leftMs("slow")).isLessThanOrEqualTo(0);
    }

    @Test
    void whatIsLeftIsSuggestedInWholeSecondsRoundedUpAndNeverZero() {
        assertThat(ModelThrottles.retryAfterSeconds(1)).isEqualTo(1);
        assertThat(ModelThrottles.retryAfterSeconds(1_000)).isEqualTo(1);
        assertThat(ModelThrottles.retryAfterSeconds(1_001)).isEqualTo(2);
        assertThat(ModelThrottles.retryAfterSeconds(29_500)).isEqualTo(30);
    }
}
