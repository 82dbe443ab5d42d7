package dev.verity.cascade.service;

import dev.verity.cascade.api.ChatCompletion;
import dev.verity.contract.Problem;

/** What the cascade produced: a real model answer with provenance, or the problem. */
public sealed interface CascadeResult {

    record Completed(ChatCompletion completion) implements CascadeResult {
    }

    record Failed(Problem problem) implements CascadeResult {
    }
}
