package dev.verity.data.cost;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/** The routing a cost analysis compares the actual spend with. */
public sealed interface Alternative {

    /** Per request shape, the cheapest configured-price model that served that shape successfully. */
    record CheapestSuccessful() implements Alternative {
    }

    /** The same calls, each priced with the caller's table for its own model. */
    record GivenPrices(Map<String, Price> prices) implements Alternative {
    }

    record Price(BigDecimal inputUsdPerMtok, BigDecimal outputUsdPerMtok) {
    }

    /** The alternative, or an error message about the field (for a 400). */
    sealed interface Parsed permits Valid, Invalid {
    }

    record Valid(Alternative alternative) implements Parsed {
    }

    record Invalid(String detail) implements Parsed {
    }

    static Parsed parse(JsonNode node) {
        if (node == null || node.isNull() || node.isTextual() && "cheapest_successful".equals(node.asText())) {
            return new Valid(new CheapestSuccessful());
        }
        String shape = "Field 'alternative' must be \"cheapest_successful\" or {\"prices\": {\"<model>\": "
                + "{\"input_usd_per_mtok\": n, \"output_usd_per_mtok\": n}}}.";
        if (!node.isObject() || node.size() != 1 || !node.has("prices") || !node.get("prices").isObject()
                || node.get("prices").isEmpty()) {
            return new Invalid(shape);
        }
        Map<String, Price> prices = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.get("prices").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode price = entry.getValue();
            if (!price.isObject() || price.size() != 2 || !isPrice(price.get("input_usd_per_mtok"))
                    || !isPrice(price.get("output_usd_per_mtok"))) {
                return new Invalid(shape + " Each price must be a number, 0 or more.");
            }
            prices.put(entry.getKey(), new Price(price.get("input_usd_per_mtok").decimalValue(),
                    price.get("output_usd_per_mtok").decimalValue()));
        }
        return new Valid(new GivenPrices(prices));
    }

    private static boolean isPrice(JsonNode value) {
        return value != null && value.isNumber() && value.decimalValue().signum() >= 0;
    }
}
