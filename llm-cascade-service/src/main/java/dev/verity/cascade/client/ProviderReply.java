package dev.verity.cascade.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.Usage;
import java.util.List;

/**
 * A provider's chat completion that passed the protocol checks: it has an id, at least one
 * choice, and the first choice carries content, tool calls or a refusal. Everything else is the
 * provider's own output, kept as sent.
 *
 * @param usage token counts as reported; null when the provider reported none
 * @param tokenLogprobs log-probabilities of the first choice's tokens, when the provider sent them
 * @param model the model the provider says answered (traces and GenAI metrics); null when it named none
 */
public record ProviderReply(
        String id,
        Long created,
        List<JsonNode> choices,
        JsonNode rawUsage,
        Usage usage,
        String systemFingerprint,
        String finishReason,
        String content,
        boolean hasToolCalls,
        String refusal,
        List<Double> tokenLogprobs,
        String model) {
}
