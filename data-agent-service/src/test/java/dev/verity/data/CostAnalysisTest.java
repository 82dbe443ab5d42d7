package dev.verity.data;

import static dev.verity.data.UsageHttpIngestionTest.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.data.TestCalls.Call;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Prices of the test profile: small 0.10/0.40, medium 1/4, large 5/20 USD per million tokens. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_data_test"), @ResourceArg(name = "redis-db", value = "2")})
class CostAnalysisTest {

    private static final Instant FROM = Instant.parse("2026-08-01T00:00:00Z");
    private static final String WINDOW = "\"from\":\"2026-08-01T00:00:00Z\",\"to\":\"2026-08-02T00:00:00Z\"";

    private static Call call(String model, Integer prompt, Integer completion, String cost, String outcome) {
        return new Call(UUID.randomUUID().toString(), model, "provider-a", prompt, completion,
                cost == null ? null : new BigDecimal(cost), 100, outcome, FROM.plusSeconds(600));
    }

    /** Recorded calls across prompt-size classes (≤1000, ≤4000, ≤16000, ≤64000 prompt tokens). */
    private static List<Call> recorded() {
        List<Call> calls = new ArrayList<>();
        calls.add(call("small", 500, 100, "0.0001", "success"));      // class 1
        calls.add(call("medium", 800, 200, "0.002", "success"));      // class 1
        calls.add(call("large", 900, 300, "0.01", "error"));          // class 1, large did not succeed here
        calls.add(call("large", 3000, 500, "0.03", "success"));       // class 2
        calls.add(call("medium", 2000, 400, "0.004", "success"));     // class 2
        calls.add(call("large", 10000, 1000, "0.07", "success"));     // class 3
        calls.add(call("small", null, null, "0.0005", "success"));    // no tokens: cannot be re-priced
        calls.add(call("medium", 700, 50, null, "success"));          // no recorded cost
        calls.add(call("unpriced", 20000, 100, "0.5", "success"));    // class 4, no configured price
        return calls;
    }

    @Test
    void cheapestSuccessfulRepricesEachRequestShapeWithTheCheapestModelThatServedIt() {
        String org = TestCalls.org("org-cost");
        post("/v1/usage", org, TestCalls.batch(recorded()), 201);

        JsonNode answer = post("/v1/cost-analysis", org, "{" + WINDOW + ",\"alternative\":\"cheapest_successful\"}", 200);

        assertThat(answer.get("calls_analysed").asLong()).isEqualTo(9);
        assertThat(answer.get("calls_without_cost").asLong()).isEqualTo(1);
        // 0.0001 + 0.002 + 0.01 + 0.03 + 0.004 + 0.07 + 0.0005 + 0.5
        assertThat(answer.get("actual_usd").decimalValue()).isEqualByComparingTo("0.6166");
        List<String> byModel = new ArrayList<>();
        answer.get("by_model").forEach(m -> byModel.add(m.get("model").asText() + " " + m.get("calls").asLong() + " "
                + m.get("usd").decimalValue().stripTrailingZeros().toPlainString()));
        assertThat(byModel).containsExactly("large 3 0.11", "medium 3 0.006", "small 2 0.0006", "unpriced 1 0.5");
        // class 1: 2200 in / 600 out, small succeeded there: 2200*0.10/1e6 + 600*0.40/1e6 = 0.00046
        // class 2: 5000 in / 900 out, medium and large succeeded: medium 0.005 + 0.0036 = 0.0086 (large 0.043)
        // class 3: 10000 in / 1000 out, only large: 0.05 + 0.02 = 0.07
        // kept at recorded cost: unpriced 0.5 (no priced model served class 4), small without tokens 0.0005
        assertThat(answer.get("alternative_usd").decimalValue()).isEqualByComparingTo("0.57956");
        assertThat(answer.get("savings_usd").decimalValue()).isEqualByComparingTo("0.03704");
        assertThat(answer.get("calls_repriced").asLong()).isEqualTo(6);
        assertThat(answer.at("/routes/0/model").asText()).isEqualTo("small");
        assertThat(answer.at("/routes/1/model").asText()).isEqualTo("medium");
        assertThat(answer.at("/routes/2/model").asText()).isEqualTo("large");
        assertThat(answer.get("basis").asText()).contains("cheapest model that served");
        assertThat(answer.at("/source/kind").asText()).isEqualTo("primary");
    }

    @Test
    void aGivenPriceTableRepricesEachCallAtItsOwnModelsPrice() {
        String org = TestCalls.org("org-cost-table");
        post("/v1/usage", org, TestCalls.batch(recorded()), 201);

        JsonNode answer = post("/v1/cost-analysis", org, "{" + WINDOW + ",\"alternative\":{\"prices\":{\"large\":"
                + "{\"input_usd_per_mtok\":1,\"output_usd_per_mtok\":2}}}}", 200);

        // large: (900+3000+10000) in, (300+500+1000) out at 1/2 per Mtok = 0.0139 + 0.0036 = 0.0175 instead of 0.11
        assertThat(answer.get("actual_usd").decimalValue()).isEqualByComparingTo("0.6166");
        assertThat(answer.get("alternative_usd").decimalValue()).isEqualByComparingTo("0.5241");
        assertThat(answer.get("savings_usd").decimalValue()).isEqualByComparingTo("0.0925");
        assertThat(answer.get("calls_repriced").asLong()).isEqualTo(3);
        assertThat(answer.get("alternative").asText()).isEqualTo("given_prices");
    }

    @Test
    void noCallsMeansNothingToAnalyseAndNoMoneyFigures() {
        JsonNode answer = post("/v1/cost-analysis", TestCalls.org("org-no-calls"), "{" + WINDOW + "}", 200);

        assertThat(answer.get("calls_analysed").asLong()).isZero();
        assertThat(answer.has("actual_usd")).isFalse();
        assertThat(answer.has("alternative_usd")).isFalse();
        assertThat(answer.has("savings_usd")).isFalse();
        assertThat(answer.has("by_model")).isFalse();
        assertThat(answer.get("basis").asText()).contains("nothing to analyse");
        assertThat(answer.at("/source/kind").asText()).isEqualTo("primary");
    }

    @Test
    void callsWithoutAnyRecordedCostGiveNoSpend() {
        String org = TestCalls.org("org-no-cost");
        post("/v1/usage", org, TestCalls.batch(List.of(call("small", 10, 10, null, "success"),
                call("large", 10, 10, null, "error"))), 201);

        JsonNode answer = post("/v1/cost-analysis", org, "{" + WINDOW + "}", 200);

        assertThat(answer.get("calls_analysed").asLong()).isEqualTo(2);
        assertThat(answer.has("actual_usd")).isFalse();
        assertThat(answer.has("alternative_usd")).isFalse();
        assertThat(answer.at("/by_model/0").has("usd")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"from\":\"2026-08-02T00:00:00Z\",\"to\":\"2026-08-01T00:00:00Z\"}",
            "{\"from\":\"soon\",\"to\":\"2026-08-01T00:00:00Z\"}",
            "{" + WINDOW + ",\"alternative\":\"cheapest\"}",
            "{" + WINDOW + ",\"alternative\":{\"prices\":{\"large\":{\"input_usd_per_mtok\":-1,\"output_usd_per_mtok\":2}}}}",
            "{" + WINDOW + ",\"alternative\":{\"prices\":{\"large\":{\"input_usd_per_mtok\":1}}}}",
            "{" + WINDOW + ",\"alternative\":{\"prices\":{}}}"
    })
    void invalidAnalysesAreInvalidRequests(String body) {
        JsonNode problem = post("/v1/cost-analysis", "org-cost-invalid", body, 400);
        assertThat(problem.get("error_type").asText()).isEqualTo("invalid_request");
    }
}
