package dev.verity.data;

import static dev.verity.data.UsageHttpIngestionTest.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.receipt.InvalidReceipt;
import dev.verity.contract.receipt.ReceiptKey;
import dev.verity.contract.receipt.ReceiptVerifier;
import dev.verity.data.TestCalls.Call;
import dev.verity.local.ReceiptKeys;
import dev.verity.local.TestInfra;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Metrics and cost analysis carry a receipt over the result and its source, verifiable with the public key alone. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_data_test"), @ResourceArg(name = "redis-db", value = "2")})
class DataReceiptTest {

    private static final Instant FROM = Instant.parse("2026-09-03T00:00:00Z");

    private final ReceiptKeys keys = TestInfra.get().receiptKeys();
    private final ReceiptVerifier verifier = new ReceiptVerifier(List.of(ReceiptKey.parse(keys.kid() + ":" + keys.publicKey())));

    private static String withoutReceipt(JsonNode answer) {
        ObjectNode copy = answer.deepCopy();
        copy.remove(List.of("receipt", "receipt_mac"));
        return copy.toString();
    }

    @Test
    void aMetricsResultAndItsSourceAreSignedAsTheyAreSent() throws Exception {
        String org = TestCalls.org("org-receipt");
        List<Call> calls = TestCalls.generate(21, FROM, new int[] {0, 1}, 10);
        post("/v1/usage", org, TestCalls.batch(calls), 201);

        JsonNode answer = post("/v1/metrics/query", org, MetricsExpectations.query(FROM, 2, null), 200);

        Map<String, Object> claims = verifier.verifyData(answer.path("receipt").asText(), withoutReceipt(answer), null);
        assertThat(claims).containsEntry("iss", "data-agent").containsEntry("kind", "data_result")
                .containsEntry("route", "/v1/metrics/query").containsKeys("request_id", "produced_at", "source");
        assertThat(((Map<?, ?>) claims.get("source")).get("kind")).isEqualTo(answer.path("source").path("kind").asText());
        assertThat(answer.path("receipt_mac").asText()).isNotBlank();

        ObjectNode edited = (ObjectNode) answer.deepCopy();
        ((ObjectNode) edited.path("source")).put("kind", "replica");
        assertThatThrownBy(() -> verifier.verifyData(answer.path("receipt").asText(), withoutReceipt(edited), null))
                .isInstanceOf(InvalidReceipt.class).hasMessage("result differs from the receipt");
    }

    @Test
    void aCostAnalysisIsSignedAndAChangedFigureDoesNotVerify() throws Exception {
        String org = TestCalls.org("org-receipt-cost");
        post("/v1/usage", org, TestCalls.batch(TestCalls.generate(22, FROM, new int[] {0}, 8)), 201);

        JsonNode answer = post("/v1/cost-analysis", org,
                "{\"from\":\"" + FROM + "\",\"to\":\"" + FROM.plusSeconds(3600) + "\"}", 200);

        assertThat(verifier.verifyData(answer.path("receipt").asText(), withoutReceipt(answer), null))
                .containsEntry("route", "/v1/cost-analysis");
        ObjectNode edited = (ObjectNode) answer.deepCopy();
        edited.put("calls_analysed", answer.path("calls_analysed").asLong() + 1);
        assertThatThrownBy(() -> verifier.verifyData(answer.path("receipt").asText(), withoutReceipt(edited), null))
                .hasMessage("result differs from the receipt");
    }
}
