package dev.verity.cascade.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.Provenance;
import java.util.List;
import java.util.Objects;

/**
 * The OpenAI {@code chat.completion} object as a provider produced it, plus Verity's
 * {@code provenance}. Choices (including tool calls) and usage are the provider's own; only
 * {@code model} is the configured model name so callers can target it again.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletion(
        @JsonProperty("id") String id,
        @JsonProperty("object") String object,
        @JsonProperty("created") long created,
        @JsonProperty("model") String model,
        @JsonProperty("choices") List<JsonNode> choices,
        @JsonProperty("usage") JsonNode usage,
        @JsonProperty("system_fingerprint") String systemFingerprint,
        @JsonProperty("provenance") Provenance provenance) {

    public static final String OBJECT = "chat.completion";

    public ChatCompletion {
        Objects.requireNonNull(provenance, "provenance");
        choices = List.copyOf(choices);
    }

    public ChatCompletion withProvenance(Provenance replaced) {
        return new ChatCompletion(id, object, created, model, choices, usage, systemFingerprint, replaced);
    }
}
