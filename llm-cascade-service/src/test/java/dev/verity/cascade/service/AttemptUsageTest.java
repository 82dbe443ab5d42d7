package dev.verity.cascade.service;

import static dev.verity.cascade.service.AttemptFailuresTest.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.cascade.client.ModelSpec;
import dev.verity.cascade.client.ProviderFault;
import dev.verity.cascade.client.ProviderReply;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Tier;
import dev.verity.contract.Usage;
import dev.verity.contract.UsageEvent;
import dev.verity.contract.UserContext;
import io.smallrye.mutiny.Multi;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.junit.jupiter.api.Test;

class AttemptUsageTest {

    private static final CallContext CONTEXT = new CallContext(
            new UserContext("user-1", "org-1", Tier.MID, null, null), "req-1", null);

    private static ProviderReply reply(Usage usage) {
        return new ProviderReply("cmpl-1", 1L, List.of(), null, usage, null, "stop", "hello", false, null, null, "fast");
    }

    @Test
    void anAnswerCarriesTheProvidersTokensAndTheirExactCost() {
        UsageEvent event = AttemptUsage.answered(MODEL, CONTEXT, reply(new Usage(1_000_000, 1_000_000)), 42, true);

        assertThat(event.outcome()).isEqualTo(UsageEvent.Outcome.SUCCESS);
        assertThat(event.errorType()).isNull();
        assertThat(event.promptTokens()).isEqualTo(1_000_000);
        assertThat(event.completionTokens()).isEqualTo(1_000_000);
        assertThat(event.costUsd()).isEqualByComparingTo(new BigDecimal("0.75"));
        assertThat(event.latencyMs()).isEqualTo(42);
        assertThat(event.orgId()).isEqualTo("org-1");
        assertThat(event.userId()).isEqualTo("user-1");
        assertThat(event.requestId()).isEqualTo("req-1");
        assertThat(event.model()).isEqualTo("fast");
        assertThat(event.provider()).isEqualTo(ModelSpec.PROVIDER);
        assertThat(event.degraded()).isTrue();
    }

    @Test
    void anAnswerWithoutReportedUsageHasNoCostRatherThanZero() {
        UsageEvent event = AttemptUsage.answered(MODEL, CONTEXT, reply(null), 42, false);

        assertThat(event.promptTokens()).isNull();
        assertThat(event.costUsd()).isNull();
    }

    @Test
    void aProviderFaultIsAnErrorOfItsOwnType() {
        ProviderFault fault = new ProviderFault(ErrorType.LLM_AUTH_FAILED, AttemptOutcome.AUTH_FAILED, 401, null, false,
                "HTTP 401");

        UsageEvent event = AttemptUsage.failed(MODEL, CONTEXT, fault, false, 9, false);

        assertThat(event.outcome()).isEqualTo(UsageEvent.Outcome.ERROR);
        assertThat(event.errorType()).isEqualTo(ErrorType.LLM_AUTH_FAILED);
        assertThat(event.costUsd()).isNull();
        assertThat(event.promptTokens()).isNull();
    }

    @Test
    void aTimeoutOrACancelledCallIsATimeout() {
        UsageEvent timedOut = AttemptUsage.failed(MODEL, CONTEXT, new TimeoutException("model timeout"), false, 5000, false);
        UsageEvent cancelled = AttemptUsage.failed(MODEL, CONTEXT, null, true, 5000, false);

        assertThat(timedOut.outcome()).isEqualTo(UsageEvent.Outcome.TIMEOUT);
        assertThat(timedOut.errorType()).isEqualTo(ErrorType.LLM_TIMEOUT);
        assertThat(cancelled.outcome()).isEqualTo(UsageEvent.Outcome.TIMEOUT);
        assertThat(cancelled.errorType()).isEqualTo(ErrorType.LLM_TIMEOUT);
    }

    @Test
    void anyOtherFailureIsAnUpstreamError() {
        UsageEvent event = AttemptUsage.failed(MODEL, CONTEXT, new IllegalStateException("reset"), false, 3, false);

        assertThat(event.outcome()).isEqualTo(UsageEvent.Outcome.ERROR);
        assertThat(event.errorType()).isEqualTo(ErrorType.LLM_UPSTREAM_ERROR);
    }

    @Test
    void anEndedStreamIsCostedFromItsReportedTokensAndKeepsItsRoute() {
        StreamOutcome.Started stream = new StreamOutcome.Started(MODEL, null, Multi.createFrom().empty(), () -> { },
                System.nanoTime(), true);

        UsageEvent event = AttemptUsage.streamEnded(stream, CONTEXT, new Usage(2_000_000, 0), 80,
                UsageEvent.Outcome.SUCCESS, null);
        UsageEvent cut = AttemptUsage.streamEnded(stream, CONTEXT, null, 80, UsageEvent.Outcome.ERROR,
                ErrorType.LLM_UPSTREAM_ERROR);

        assertThat(event.costUsd()).isEqualByComparingTo(new BigDecimal("0.30"));
        assertThat(event.degraded()).isTrue();
        assertThat(cut.costUsd()).isNull();
        assertThat(cut.completionTokens()).isNull();
        assertThat(cut.errorType()).isEqualTo(ErrorType.LLM_UPSTREAM_ERROR);
    }
}
