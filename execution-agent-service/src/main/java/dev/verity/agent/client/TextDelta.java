package dev.verity.agent.client;

/**
 * A piece of the model's text as it streams in, from the model that is really answering, in the
 * cascade's {@code attempt} (1 for the first model that streamed, one more after each supersession).
 */
public record TextDelta(String model, String text, int attempt) implements TurnProgress {
}
