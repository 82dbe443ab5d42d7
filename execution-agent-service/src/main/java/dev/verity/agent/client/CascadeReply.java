package dev.verity.agent.client;

import dev.verity.contract.Problem;

/** What the cascade said: a real model turn, or the problem it reported. Callers must handle both. */
public sealed interface CascadeReply {

    record Answered(ModelTurn turn) implements CascadeReply {
    }

    record Failed(Problem problem) implements CascadeReply {
    }
}
