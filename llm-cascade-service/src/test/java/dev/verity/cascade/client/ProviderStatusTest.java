package dev.verity.cascade.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ProviderStatusTest {

    private static final ModelSpec MODEL = new ModelSpec("fast", "http://localhost:1/v1", Optional.empty(), "fast", 1,
            Optional.empty(), Optional.empty(), 8192, Duration.ofSeconds(5), 4, Duration.ofSeconds(10));

    @ParameterizedTest
    @CsvSource({"199, false", "200, true", "204, true", "299, true", "300, false", "429, false", "500, false"})
    void onlyA2xxIsASuccess(int status, boolean success) {
        assertThat(ProviderStatus.success(status)).isEqualTo(success);
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/event-stream", "text/event-stream; charset=utf-8", "Text/Event-Stream"})
    void anEventStreamIsRecognisedWhateverItsParametersOrCase(String type) {
        assertThat(ProviderStatus.eventStream(type)).isTrue();
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"application/json", "text/plain", ""})
    void anythingElseIsNoEventStream(String type) {
        assertThat(ProviderStatus.eventStream(type)).isFalse();
    }

    @Test
    void aRefusalIsClassifiedFromItsStatusAndRetryAfter() {
        ProviderFault fault = ProviderStatus.refusal(MODEL, 429, "{\"error\":{\"type\":\"rate_limit\"}}", "12", "req-1");

        assertThat(fault.errorType()).isEqualTo(ErrorType.LLM_RATE_LIMITED);
        assertThat(fault.upstreamStatus()).isEqualTo(429);
        assertThat(fault.retryAfterSeconds()).isEqualTo(12);
    }

    @Test
    void aSuccessThatIsNoStreamIsAnInvalidResponseKeepingItsStatus() {
        ProviderFault fault = ProviderStatus.notAStream(200);

        assertThat(fault.outcome()).isEqualTo(AttemptOutcome.INVALID_RESPONSE);
        assertThat(fault.upstreamStatus()).isEqualTo(200);
    }
}
