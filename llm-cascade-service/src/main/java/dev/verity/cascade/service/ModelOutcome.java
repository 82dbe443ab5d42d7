package dev.verity.cascade.service;

import dev.verity.cascade.client.ModelSpec;
import dev.verity.cascade.client.ProviderReply;
import dev.verity.contract.Attempt;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import java.math.BigDecimal;

/** How one model call ended: a real answer or a classified failure, never anything in between. */
public sealed interface ModelOutcome {

    ModelSpec model();

    long latencyMs();

    /** A provider answer that passed the protocol checks; {@code costUsd} null when prices or usage are unknown. */
    record Answer(ModelSpec model, ProviderReply reply, long latencyMs, BigDecimal costUsd) implements ModelOutcome {
    }

    record Failure(ModelSpec model, ErrorType errorType, AttemptOutcome outcome, Integer upstreamStatus,
            Integer retryAfterSeconds, long latencyMs) implements ModelOutcome {

        public Attempt attempt() {
            return new Attempt(model.name(), outcome, latencyMs, errorType, upstreamStatus);
        }
    }
}
