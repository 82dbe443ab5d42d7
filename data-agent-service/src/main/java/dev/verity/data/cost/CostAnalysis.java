package dev.verity.data.cost;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.verity.contract.DataSource;
import java.math.BigDecimal;
import java.util.List;

/**
 * What the org spent and what the alternative would have cost. Money figures are present only
 * when recorded calls carried a cost; with no calls there is nothing but {@code calls_analysed: 0}
 * and the basis saying so.
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
        @JsonProperty("source") DataSource source) {

    /** The same analysis, labelled with where its data was read from. */
    public CostAnalysis withSource(DataSource from) {
        return new CostAnalysis(callsAnalysed, callsWithoutCost, actualUsd, byModel, alternative, alternativeUsd,
                savingsUsd, callsRepriced, routes, basis, from);
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
