package dev.verity.data.usage;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** {@code POST /v1/usage} body. Rows stay raw JSON so every bad field can be named. */
public record UsageBatch(@JsonProperty("calls") List<JsonNode> calls) {
}
