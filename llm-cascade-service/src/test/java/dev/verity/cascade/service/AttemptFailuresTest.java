package dev.verity.cascade.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.cascade.client.ModelSpec;
import dev.verity.cascade.client.ProviderFault;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.junit.jupiter.api.Test;

class AttemptFailuresTest {

    static final ModelSpec MODEL = new ModelSpec("fast", "http://localhost:1/v1", Optional.empty(), "fast", 1,
            Optional.of(new BigDecimal("0.15")), Optional.of(new BigDecimal("0.60")), 8192, Duration.ofSeconds(5), 4,
            Duration.ofSeconds(10));

    private final AttemptFailures failures = new AttemptFailures(Duration.ofSeconds(30));

    @Test
    void aProviderFaultKeepsItsClassificationStatusAndRetryAfter() {
        ProviderFault fault = new ProviderFault(ErrorType.LLM_RATE_LIMITED, AttemptOutcome.RATE_LIMITED, 429, 7, false,
                "HTTP 429");

        ModelOutcome.Failure failure = failures.of(MODEL, fault, 12, "req-1");

        assertThat(failure.model()).isEqualTo(MODEL);
        assertThat(failure.errorType()).isEqualTo(ErrorType.LLM_RATE_LIMITED);
        assertThat(failure.outcome()).isEqualTo(AttemptOutcome.RATE_LIMITED);
        assertThat(failure.upstreamStatus()).isEqualTo(429);
        assertThat(failure.retryAfterSeconds()).isEqualTo(7);
        assertThat(failure.latencyMs()).isEqualTo(12);
    }

    @Test
    void theGuardsTimeoutIsAnLlmTimeoutWithoutRetryAfter() {
        ModelOutcome.Failure failure = failures.of(MODEL, new TimeoutException("model timeout"), 5000, "req-1");

        assertThat(failure.errorType()).isEqualTo(ErrorType.LLM_TIMEOUT);
        assertThat(failure.outcome()).isEqualTo(AttemptOutcome.TIMEOUT);
        assertThat(failure.upstreamStatus()).isNull();
        assertThat(failure.retryAfterSeconds()).isNull();
    }

    @Test
    void anOpenBreakerSuggestsWaitingAsLongAsTheBreakerStaysOpen() {
        ModelOutcome.Failure failure = failures.of(MODEL, new CircuitBreakerOpenException("open"), 0, "req-1");

        assertThat(failure.errorType()).isEqualTo(ErrorType.LLM_UNAVAILABLE);
        assertThat(failure.outcome()).isEqualTo(AttemptOutcome.CIRCUIT_OPEN);
        assertThat(failure.retryAfterSeconds()).isEqualTo(30);
    }

    @Test
    void aBreakerDelayUnderASecondStillSuggestsOneSecond() {
        ModelOutcome.Failure failure = new AttemptFailures(Duration.ofMillis(200))
                .of(MODEL, new CircuitBreakerOpenException("open"), 0, "req-1");

        assertThat(failure.retryAfterSeconds()).isEqualTo(1);
    }

    @Test
    void aFullBulkheadIsOverloadWithAShortRetryAfter() {
        ModelOutcome.Failure failure = failures.of(MODEL, new BulkheadException("full"), 0, "req-1");

        assertThat(failure.errorType()).isEqualTo(ErrorType.OVERLOADED);
        assertThat(failure.outcome()).isEqualTo(AttemptOutcome.BULKHEAD_FULL);
        assertThat(failure.retryAfterSeconds()).isEqualTo(AttemptFailures.BULKHEAD_RETRY_AFTER_SECONDS);
    }

    @Test
    void anythingUnexpectedIsAnUpstreamErrorNotAnAnswer() {
        ModelOutcome.Failure failure = failures.of(MODEL, new IllegalStateException("bug"), 3, "req-1");

        assertThat(failure.errorType()).isEqualTo(ErrorType.LLM_UPSTREAM_ERROR);
        assertThat(failure.outcome()).isEqualTo(AttemptOutcome.UPSTREAM_ERROR);
        assertThat(failure.retryAfterSeconds()).isNull();
    }
}
