package dev.verity.runtime.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Money keeps its digits through every service's JSON (see {@code dev.verity.contract.Money}):
 * a {@code BigDecimal} is written as a plain number ({@code 0.000000150000}, never {@code 1.5E-7}),
 * and a floating-point number read into a tree ({@code JsonNode}: stream events, forwarded bodies,
 * tool results) stays a {@code BigDecimal} instead of being rounded through a {@code double}.
 */
@Singleton
public class ExactMoneyJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        configure(mapper);
    }

    /** The same settings for mappers built outside CDI (tests, tools). */
    public static ObjectMapper configure(ObjectMapper mapper) {
        return mapper.enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                // A tree keeps the digits as written: 0.000010500000 stays 12 places, not 0.0000105.
                .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
    }
}
