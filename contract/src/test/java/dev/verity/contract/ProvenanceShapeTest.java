package dev.verity.contract;

import static dev.verity.contract.JsonShapes.fieldNames;
import static dev.verity.contract.JsonShapes.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProvenanceShapeTest {

    private static final Instant PRODUCED = Instant.parse("2026-11-25T10:00:00Z");

    private static Provenance provenance() {
        return new Provenance("large", "openai-compatible", "chatcmpl-1", PRODUCED, false, 0.91, false,
                "tier 1 escalated: finish_reason=length", List.of(Attempt.succeeded("large", 812)),
                new Usage(31, 120), new java.math.BigDecimal("0.000210000000"), 812);
    }

    @Test
    void serialisesEveryDesignField() {
        JsonNode json = tree(provenance());

        assertThat(fieldNames(json)).containsExactly("model", "provider", "provider_request_id", "produced_at",
                "degraded", "quality_score", "cache_hit", "selection_reasoning", "attempts", "usage",
                "total_cost_usd", "latency_ms");
        assertThat(json.get("produced_at").asText()).isEqualTo("2026-11-25T10:00:00Z");
        assertThat(json.get("usage").toString()).isEqualTo("{\"prompt_tokens\":31,\"completion_tokens\":120}");
        assertThat(json.get("attempts").get(0).get("outcome").asText()).isEqualTo("success");
    }

    @Test
    void aPassedOverAttemptCarriesItsScoreAndReasonAndOtherAttemptsDoNot() throws Exception {
        JsonNode passed = tree(Attempt.passedOver("small", 90, 0.3, "finish_reason=length (truncated) (quality 0.30 < 0.70)"));
        JsonNode succeeded = tree(Attempt.succeeded("large", 400));
        JsonNode failed = tree(new Attempt("small", AttemptOutcome.TIMEOUT, 2000, ErrorType.LLM_TIMEOUT, null));

        assertThat(fieldNames(passed)).containsExactly("model", "outcome", "latency_ms", "quality_score", "reason");
        assertThat(passed.get("outcome").asText()).isEqualTo("low_quality");
        assertThat(passed.get("quality_score").asDouble()).isEqualTo(0.3);
        assertThat(fieldNames(succeeded)).containsExactly("model", "outcome", "latency_ms");
        assertThat(fieldNames(failed)).containsExactly("model", "outcome", "latency_ms", "error_type");
        // Read back as the agent and gateway read a provenance: nothing lost.
        Attempt read = new com.fasterxml.jackson.databind.ObjectMapper().treeToValue(passed, Attempt.class);
        assertThat(read).isEqualTo(Attempt.passedOver("small", 90, 0.3, "finish_reason=length (truncated) (quality 0.30 < 0.70)"));
    }

    @Test
    void aSignedProvenanceCarriesItsReceiptAndTheInternalMacAfterTheDesignFields() {
        JsonNode json = tree(provenance().withReceipt("h.p.s", "mac"));

        assertThat(fieldNames(json)).endsWith("latency_ms", "receipt", "receipt_mac");
        assertThat(json.get("receipt").asText()).isEqualTo("h.p.s");
        assertThat(provenance().withReceipt("h.p.s", "mac").asCacheHit().receipt()).isEqualTo("h.p.s");
    }

    @Test
    void cannotExistWithoutAModelOrAProviderResponseId() {
        assertThatThrownBy(() -> new Provenance(null, "p", "id", PRODUCED, false, null, false, null, null, null, null, 0))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Provenance("m", "p", null, PRODUCED, false, null, false, null, null, null, null, 0))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void aCacheHitKeepsTheOriginalProvenance() {
        Provenance hit = provenance().asCacheHit();

        assertThat(hit.cacheHit()).isTrue();
        assertThat(hit.providerRequestId()).isEqualTo("chatcmpl-1");
        assertThat(hit.producedAt()).isEqualTo(PRODUCED);
        assertThat(hit.model()).isEqualTo("large");
    }

    @Test
    void cachedDataIsDegradedAndCarriesItsRealAge() {
        DataSource source = DataSource.cache(PRODUCED, PRODUCED.plusSeconds(95));

        assertThat(tree(source).toString()).isEqualTo(
                "{\"kind\":\"cache\",\"as_of\":\"2026-11-25T10:00:00Z\",\"freshness_seconds\":95,\"degraded\":true}");
        assertThat(DataSource.primary(PRODUCED).degraded()).isFalse();
    }
}
