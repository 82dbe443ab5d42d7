package dev.verity.agent.client;

/**
 * What a streaming model turn shows while it runs: new text of the current attempt, or the news
 * that the cascade replaced an attempt's text with the next tier's answer.
 */
public sealed interface TurnProgress permits TextDelta, Superseded {
}
