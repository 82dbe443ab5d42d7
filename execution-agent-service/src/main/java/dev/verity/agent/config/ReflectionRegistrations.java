package dev.verity.agent.config;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What Jackson reads and writes in this service, registered for reflection so a native image
 * (issue #9) keeps their constructors, accessors and annotations: every wire type of the contract
 * and this service's own request, response and cache records. In a JVM build it changes nothing.
 */
@RegisterForReflection(targets = {
        // The shared wire types (contract/ stays free of Quarkus, so they are registered here).
        dev.verity.contract.Attempt.class, dev.verity.contract.AttemptOutcome.class, dev.verity.contract.ComponentStatus.class,
        dev.verity.contract.DataSource.class, dev.verity.contract.DataSource.Kind.class, dev.verity.contract.ErrorContext.class,
        dev.verity.contract.ErrorType.class, dev.verity.contract.Event.class, dev.verity.contract.EventType.class,
        dev.verity.contract.FieldError.class, dev.verity.contract.Problem.class, dev.verity.contract.Provenance.class,
        dev.verity.contract.ServiceState.class, dev.verity.contract.ServiceStatus.class, dev.verity.contract.Tier.class,
        dev.verity.contract.TierHandling.class, dev.verity.contract.Usage.class, dev.verity.contract.UsageEvent.class,
        dev.verity.contract.UsageEvent.Outcome.class, dev.verity.contract.UserContext.class,
        // This service's own JSON shapes.
        dev.verity.agent.run.RunRequest.class, dev.verity.agent.run.RunRequest.Turn.class,
        dev.verity.agent.run.RunAnswer.class
})
public final class ReflectionRegistrations {

    private ReflectionRegistrations() {
    }
}
