package dev.verity.agent.client;

/** A piece of the model's text as it streams in, from the model that is really answering. */
public record TextDelta(String model, String text) {
}
