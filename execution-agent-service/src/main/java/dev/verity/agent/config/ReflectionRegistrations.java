package dev.verity.agent.config;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * This service's own JSON shapes (request, response and cache records), registered for reflection
 * so a native image keeps their constructors, accessors and annotations; the contract's wire types
 * are registered once in service-runtime. In a JVM build it changes nothing.
 */
@RegisterForReflection(targets = {
        dev.verity.agent.run.RunRequest.class, dev.verity.agent.run.RunRequest.Turn.class,
        dev.verity.agent.run.RunAnswer.class
})
public final class ReflectionRegistrations {

    private ReflectionRegistrations() {
    }
}
