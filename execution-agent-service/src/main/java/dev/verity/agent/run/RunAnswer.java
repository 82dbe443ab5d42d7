package dev.verity.agent.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.verity.contract.Provenance;
import java.util.Objects;

/** The non-streaming success body: a real answer always comes with its provenance. */
public record RunAnswer(
        @JsonProperty("request_id") String requestId,
        @JsonProperty("response") String response,
        @JsonProperty("provenance") Provenance provenance) {

    public RunAnswer {
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(provenance, "provenance");
    }
}
