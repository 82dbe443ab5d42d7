package dev.verity.runtime.config;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Every wire type of the contract, registered for reflection so a native image keeps the
 * constructors, accessors and annotations Jackson uses (contract/ stays free of Quarkus, so they
 * are registered here, once for every service). In a JVM build it changes nothing. Each service
 * registers its own JSON shapes next to its code.
 */
@RegisterForReflection(targets = {
        dev.verity.contract.Attempt.class, dev.verity.contract.AttemptOutcome.class, dev.verity.contract.ComponentStatus.class,
        dev.verity.contract.DataSource.class, dev.verity.contract.DataSource.Kind.class, dev.verity.contract.ErrorContext.class,
        dev.verity.contract.ErrorType.class, dev.verity.contract.Event.class, dev.verity.contract.EventType.class,
        dev.verity.contract.FieldError.class, dev.verity.contract.Problem.class, dev.verity.contract.Provenance.class,
        dev.verity.contract.ServiceState.class, dev.verity.contract.ServiceStatus.class, dev.verity.contract.Tier.class,
        dev.verity.contract.TierHandling.class, dev.verity.contract.Usage.class, dev.verity.contract.UsageEvent.class,
        dev.verity.contract.UsageEvent.Outcome.class, dev.verity.contract.UserContext.class,
        // Answer receipts: no Jackson shapes, but records of the contract all the same.
        dev.verity.contract.receipt.Digests.ToolCallText.class, dev.verity.contract.receipt.Json.Raw.class,
        dev.verity.contract.receipt.ReceiptKey.class, dev.verity.contract.receipt.ReceiptSigner.Signed.class,
        dev.verity.contract.receipt.ReceivedAnswer.class
})
public final class ReflectionRegistrations {

    private ReflectionRegistrations() {
    }
}
