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
                new Usage(31, 120), 0.00021, 812);
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
