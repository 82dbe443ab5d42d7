package dev.verity.data.cost;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.verity.contract.DataSource;
import dev.verity.data.query.Coverage;
import java.math.BigDecimal;
import java.util.List;

/**
 * What the org spent and what the alternative would have cost. Money figures are present only
 * when recorded calls carried a cost; with no calls there is nothing but {@code calls_analysed: 0}
 * and the basis saying so. {@code coverage} says how complete the analysis is for its window
 * ({@code degraded} when calls of the window were rejected and are missing from it).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CostAnalysis(
        @JsonProperty("calls_analysed") long callsAnalysed,
        @JsonProperty("calls_without_cost") Long callsWithoutCost,
        @JsonProperty("actual_usd") BigDecimal actualUsd,
        @JsonProperty("by_model") List<ModelSpend> byModel,
        @JsonProperty("alternative") String alternative,
        @JsonProperty("alternative_usd") BigDecimal alternativeUsd,
        @JsonProperty("savings_usd") BigDecimal savingsUsd,
        @JsonProperty("calls_repriced") Long callsRepriced,
        @JsonProperty("routes") List<Route> routes,
        @JsonProperty("basis") String basis,
        @JsonProperty("coverage") Coverage coverage,
        @JsonProperty("degraded") boolean degraded,
        @JsonProperty("source") DataSource source) {

    /** The same analysis, labelled with where its data was read from. */
    public CostAnalysis withSource(DataSource from) {
        return new CostAnalysis(callsAnalysed, callsWithoutCost, actualUsd, byModel, alternative, alternativeUsd,
                savingsUsd, callsRepriced, routes, basis, coverage, degraded, from);
    }

    /** The analysis with how complete it is for its window; rejected calls make it degraded and say so. */
    CostAnalysis withCoverage(Coverage of) {
        String said = of.complete() ? basis : basis + " " + of.callsRejected() + " usage event(s) of this window were "
                + "rejected at ingestion and are not included: every figure here is incomplete until they are re-driven.";
        return new CostAnalysis(callsAnalysed, callsWithoutCost, actualUsd, byModel, alternative, alternativeUsd,
                savingsUsd, callsRepriced, routes, said, of, !of.complete(), source);
    }

    /** {@code usd} is absent when none of the model's calls carried a cost. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ModelSpend(
            @JsonProperty("model") String model,
            @JsonProperty("calls") long calls,
            @JsonProperty("usd") BigDecimal usd) {
    }

    /** For cheapest_successful: which model the calls of one prompt-size class would have gone to. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Route(
            @JsonProperty("prompt_tokens_from") long promptTokensFrom,
            @JsonProperty("prompt_tokens_to") Long promptTokensTo,
            @JsonProperty("model") String model,
            @JsonProperty("calls") long calls,
            @JsonProperty("actual_usd") BigDecimal actualUsd,
            @JsonProperty("alternative_usd") BigDecimal alternativeUsd) {
    }
}
