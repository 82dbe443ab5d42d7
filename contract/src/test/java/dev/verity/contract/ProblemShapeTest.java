package dev.verity.contract;

import static dev.verity.contract.JsonShapes.fieldNames;
import static dev.verity.contract.JsonShapes.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class ProblemShapeTest {

    private static final UserContext USER = new UserContext("u-1", "org-1", Tier.MID, "u1@example.com", null);

    @Test
    void serialisesTheDesignShapeWithSnakeCaseNames() {
        Problem problem = Problem.of(ErrorType.LLM_UNAVAILABLE, "No configured model answered within the deadline.",
                        Services.LLM_CASCADE, USER, "7f3c")
                .withAttempts(List.of(new Attempt("small", AttemptOutcome.TIMEOUT, 20001, ErrorType.LLM_TIMEOUT, null)));

        JsonNode json = tree(problem);

        assertThat(fieldNames(json)).containsExactly("type", "title", "status", "detail", "instance", "error_type",
                "service", "retryable", "retry_after_seconds", "error_context", "attempts");
        assertThat(json.get("type").asText()).isEqualTo("urn:verity:problem:llm-unavailable");
        assertThat(json.get("status").asInt()).isEqualTo(503);
        assertThat(json.get("instance").asText()).isEqualTo("urn:verity:request:7f3c");
        assertThat(json.get("error_type").asText()).isEqualTo("llm_unavailable");
        assertThat(json.get("retryable").asBoolean()).isTrue();
        assertThat(json.get("retry_after_seconds").asInt()).isEqualTo(30);
        assertThat(tree(problem.errorContext()).toString()).isEqualTo(
                "{\"user_id\":\"u-1\",\"request_id\":\"7f3c\",\"service_name\":\"llm-cascade\","
                        + "\"error_type\":\"llm_unavailable\",\"user_tier\":\"mid\"}");
        assertThat(json.get("attempts").get(0).toString()).isEqualTo(
                "{\"model\":\"small\",\"outcome\":\"timeout\",\"latency_ms\":20001,\"error_type\":\"llm_timeout\"}");
    }

    @ParameterizedTest
    @CsvSource({
            "invalid_request, 400, false", "unauthenticated, 401, false", "forbidden, 403, false",
            "payload_too_large, 413, false", "llm_context_length_exceeded, 400, false", "rate_limited, 429, true",
            "llm_timeout, 504, true", "llm_rate_limited, 503, true", "llm_auth_failed, 503, false",
            "llm_model_unavailable, 503, true", "llm_upstream_error, 502, true", "llm_invalid_response, 502, true",
            "llm_unavailable, 503, true", "agent_timeout, 504, true", "tool_failed, 502, true",
            "data_unavailable, 503, true", "data_query_timeout, 504, true", "data_validation_failed, 422, false",
            "service_unavailable, 503, true", "overloaded, 503, true", "authenticity_violation, 500, true"
    })
    void everyErrorTypeOfTheDesignTableHasItsStatusAndRetryability(String wire, int status, boolean retryable) {
        ErrorType type = ErrorType.fromWire(wire);
        Problem problem = Problem.of(type, "d", Services.GATEWAY, null, "r");

        assertThat(problem.status()).isEqualTo(status);
        assertThat(problem.retryable()).isEqualTo(retryable);
        assertThat(problem.retryAfterSeconds() != null).isEqualTo(retryable);
    }

    @ParameterizedTest
    @EnumSource(ErrorType.class)
    void nonRetryableProblemsNeverAdvertiseARetryAfter(ErrorType type) {
        Problem problem = Problem.of(type, "d", Services.GATEWAY, null, "r").withRetryAfterSeconds(12);

        assertThat(tree(problem).has("retry_after_seconds")).isEqualTo(type.retryable());
    }

    @Test
    void retryAfterIsAtLeastOneSecond() {
        Problem problem = Problem.of(ErrorType.RATE_LIMITED, "d", Services.GATEWAY, null, "r").withRetryAfterSeconds(0);

        assertThat(problem.retryAfterSeconds()).isEqualTo(1);
    }

    @Test
    void unknownErrorTypeIsRejected() {
        assertThatThrownBy(() -> ErrorType.fromWire("fallback")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requestedMetricsAppearInTheErrorContext() {
        Problem problem = Problem.of(ErrorType.DATA_UNAVAILABLE, "d", Services.DATA_AGENT, USER, "r");
        Problem withMetrics = problem.withErrorContext(problem.errorContext().withRequestedMetrics(List.of("latency_ms")));

        assertThat(tree(withMetrics).get("error_context").get("requested_metrics").toString()).isEqualTo("[\"latency_ms\"]");
    }

    @Test
    void enterpriseTierHandlingCarriesEscalationAndNoFreeTierFields() {
        TierHandling handling = TierHandling.enterprise("T-1", TierHandling.INCIDENT_JOINED, "req-9", 1, "am@example.com",
                "support@example.com", List.of("retry after 30 seconds"));

        JsonNode json = tree(handling);

        assertThat(json.get("incident").asText()).isEqualTo("joined");

        assertThat(json.get("enterprise_escalation").asBoolean()).isTrue();
        assertThat(json.get("escalation_reference").asText()).isEqualTo("ENT-req-9");
        assertThat(json.get("support_ticket_id").asText()).isEqualTo("T-1");
        assertThat(json.has("queue_position")).isFalse();
        assertThat(json.has("status_page_url")).isFalse();
    }

    @Test
    void anEnterpriseFailureWhoseIncidentWasNotRecordedHasNeitherTicketNorIncidentButKeepsItsReference() {
        JsonNode json = tree(TierHandling.enterprise(null, null, "req-7", 1, null, "support@example.com", List.of()));

        assertThat(fieldNames(json)).doesNotContain("support_ticket_id", "incident");
        assertThat(json.get("escalation_reference").asText()).isEqualTo("ENT-req-7");
    }

    @Test
    void anIncidentRoleWithoutATicketOrAnUnknownRoleIsRefused() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() ->
                TierHandling.enterprise(null, TierHandling.INCIDENT_OPENED, "r", 1, null, "s", List.of()));
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() ->
                TierHandling.enterprise("T-1", null, "r", 1, null, "s", List.of()));
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() ->
                TierHandling.enterprise("T-1", "reopened", "r", 1, null, "s", List.of()));
    }

    @Test
    void standardTierHandlingHasQueuePositionAndNoEscalation() {
        JsonNode json = tree(TierHandling.standard(Tier.FREE, 3, "http://gw/status", List.of("retry after 30 seconds")));

        assertThat(json.get("enterprise_escalation").asBoolean()).isFalse();
        assertThat(json.get("queue_position").asInt()).isEqualTo(3);
        assertThat(json.get("status_page_url").asText()).isEqualTo("http://gw/status");
        assertThat(fieldNames(json)).doesNotContain("support_ticket_id", "incident", "escalation_reference",
                "priority_queue_position");
        assertThat(Map.of("tier", json.get("tier").asText())).containsEntry("tier", "free");
    }

    @Test
    void validationProblemNamesEachBadRowAndFieldAndOtherProblemsHaveNoErrorsField() {
        Problem problem = Problem.of(ErrorType.DATA_VALIDATION_FAILED, "2 field(s) in the batch are invalid; nothing was stored.",
                        Services.DATA_AGENT, USER, "r-9")
                .withErrors(List.of(new FieldError(3, "latency_ms", "must be a whole number of milliseconds, 0 or more"),
                        new FieldError(null, "calls", "is required")));

        JsonNode json = tree(problem);

        assertThat(json.get("status").asInt()).isEqualTo(422);
        assertThat(json.get("errors").toString()).isEqualTo("[{\"row\":3,\"field\":\"latency_ms\","
                + "\"reason\":\"must be a whole number of milliseconds, 0 or more\"},{\"field\":\"calls\",\"reason\":\"is required\"}]");
        assertThat(tree(problem.withRetryAfterSeconds(5).withErrorContext(problem.errorContext())).get("errors"))
                .isEqualTo(json.get("errors"));
        assertThat(fieldNames(tree(Problem.of(ErrorType.INVALID_REQUEST, "d", Services.DATA_AGENT, USER, "r"))))
                .doesNotContain("errors");
    }
}
