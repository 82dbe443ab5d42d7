package dev.verity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    private static final String SCRAPE = """
            # TYPE verity_cascade_fallbacks_total counter
            verity_cascade_fallbacks_total{model="large"} 2.0 # {span_id="00f067aa0ba902b7",trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 1.0 1764000000.123
            verity_cascade_fallbacks_total{model="small"} 1.0
            verity_cascade_fallbacks_invented_total{model="large"} 40.0
            gen_ai_client_token_usage_sum{gen_ai_request_model="a}b",gen_ai_token_type="input"} 21.0
            verity_gateway_sockets_open 3.0 1764000000123
            """;

    @Test
    void sumsTheSamplesWhoseLabelsIncludeTheAskedOnes() {
        assertThat(PrometheusText.sum(SCRAPE, "verity_cascade_fallbacks_total", Map.of())).isEqualByComparingTo("3");
        assertThat(PrometheusText.sum(SCRAPE, "verity_cascade_fallbacks_total", Map.of("model", "small")))
                .isEqualByComparingTo("1");
    }

    @Test
    void anExemplarOrATimestampIsNotTheValue() {
        assertThat(PrometheusText.sum(SCRAPE, "verity_cascade_fallbacks_total", Map.of("model", "large")))
                .isEqualByComparingTo("2");
        assertThat(PrometheusText.sum(SCRAPE, "verity_gateway_sockets_open", Map.of())).isEqualByComparingTo("3");
    }

    @Test
    void anotherMetricWithTheSamePrefixOrALabelValueWithABraceIsReadRight() {
        assertThat(PrometheusText.sum(SCRAPE, "verity_cascade_fallbacks", Map.of())).isEqualByComparingTo("0");
        assertThat(PrometheusText.sum(SCRAPE, "gen_ai_client_token_usage_sum", Map.of("gen_ai_request_model", "a}b")))
                .isEqualByComparingTo("21");
    }

    @Test
    void aSeriesNotYetRegisteredOrNotMatchingIsZero() {
        assertThat(PrometheusText.sum(SCRAPE, "verity_cascade_fallbacks_total", Map.of("model", "local")))
                .isEqualByComparingTo("0");
        assertThat(PrometheusText.sum("", "verity_incidents_open", Map.of())).isEqualByComparingTo("0");
    }
}
