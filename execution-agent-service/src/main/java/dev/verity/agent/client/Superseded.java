package dev.verity.agent.client;

/**
 * The cascade scored attempt {@code attempt} of {@code model} below its threshold after it had
 * streamed, and {@code nextModel} answers instead: the text of that attempt is replaced, for
 * {@code reason}. The next attempt's text follows.
 */
public record Superseded(int attempt, String model, String reason, Double qualityScore, String nextModel)
        implements TurnProgress {
}
