package dev.verity.cascade.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProviderRefusalsTest {

    private static String openAiError(String type, String code, String message) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"code\":\"" + code + "\"}}";
    }

    @ParameterizedTest(name = "HTTP {0} → {1}")
    @CsvSource({
            "429, LLM_RATE_LIMITED, RATE_LIMITED",
            "401, LLM_AUTH_FAILED, AUTH_FAILED",
            "403, LLM_AUTH_FAILED, AUTH_FAILED",
            "404, LLM_MODEL_UNAVAILABLE, MODEL_UNAVAILABLE",
            "503, LLM_MODEL_UNAVAILABLE, MODEL_UNAVAILABLE",
            "529, LLM_MODEL_UNAVAILABLE, MODEL_UNAVAILABLE",
            "500, LLM_UPSTREAM_ERROR, UPSTREAM_ERROR",
            "418, LLM_UPSTREAM_ERROR, UPSTREAM_ERROR",
    })
    void statusAloneDecidesWhenTheBodyIsNoErrorObject(int status, ErrorType type, AttemptOutcome outcome) {
        ProviderFault fault = ProviderRefusals.classify(status, "<html>bad gateway</html>", null);

        assertThat(fault.errorType()).isEqualTo(type);
        assertThat(fault.outcome()).isEqualTo(outcome);
    }

    @Test
    void contextLengthCodeOnA400IsTheContextWindow() {
        ProviderFault fault = ProviderRefusals.classify(400,
                openAiError("invalid_request_error", "context_length_exceeded", "This model's maximum context length is 8192"), null);

        assertThat(fault.errorType()).isEqualTo(ErrorType.LLM_CONTEXT_LENGTH_EXCEEDED);
        assertThat(fault.outcome()).isEqualTo(AttemptOutcome.CONTEXT_TOO_SMALL);
        assertThat(fault.retryAfterSeconds()).isNull();
    }

    @Test
    void aCodeMentionedOnlyInTheMessageChangesNothing() {
        ProviderFault fault = ProviderRefusals.classify(400,
                openAiError("invalid_request_error", "invalid_value", "temperature is not context_length_exceeded or model_not_found"), null);

        assertThat(fault.errorType()).isEqualTo(ErrorType.LLM_UPSTREAM_ERROR);
        assertThat(fault.retrySameModel()).isFalse();
    }

    @Test
    void modelNotFoundCodeOnAnyStatusMeansTheModelIsUnavailable() {
        ProviderFault fault = ProviderRefusals.classify(400,
                openAiError("invalid_request_error", "model_not_found", "The model does not exist"), null);

        assertThat(fault.errorType()).isEqualTo(ErrorType.LLM_MODEL_UNAVAILABLE);
    }

    @Test
    void theErrorTypeFieldCountsLikeTheCode() {
        ProviderFault fault = ProviderRefusals.classify(400,
                "{\"error\":{\"message\":\"too long\",\"type\":\"context_length_exceeded\",\"code\":null}}", null);

        assertThat(fault.errorType()).isEqualTo(ErrorType.LLM_CONTEXT_LENGTH_EXCEEDED);
    }

    @Test
    void aNumericCodeAsVllmSendsIsNotMistakenForAName() {
        ProviderFault fault = ProviderRefusals.classify(400,
                "{\"object\":\"error\",\"message\":\"context_length_exceeded\",\"type\":\"BadRequestError\",\"code\":400}", null);

        assertThat(fault.errorType()).isEqualTo(ErrorType.LLM_UPSTREAM_ERROR);
    }

    @Test
    void only5xxUpstreamErrorsAreRetriedOnTheSameModel() {
        assertThat(ProviderRefusals.classify(500, "", null).retrySameModel()).isTrue();
        assertThat(ProviderRefusals.classify(422, "", null).retrySameModel()).isFalse();
    }

    @Test
    void retryAfterIsKeptForThrottlingAndDroppedForAuthFailures() {
        assertThat(ProviderRefusals.classify(429, "", "7").retryAfterSeconds()).isEqualTo(7);
        assertThat(ProviderRefusals.classify(401, "", "7").retryAfterSeconds()).isNull();
    }

    @Test
    void retryAfterReadsSecondsAndHttpDatesAndIgnoresGarbage() {
        assertThat(RetryAfter.seconds("2.1")).isEqualTo(3);
        assertThat(RetryAfter.seconds("0")).isEqualTo(1);
        assertThat(RetryAfter.seconds(null)).isNull();
        assertThat(RetryAfter.seconds("soon")).isNull();
        String inAMinute = ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(61).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(RetryAfter.seconds(inAMinute)).isBetween(55, 61);
    }
}
