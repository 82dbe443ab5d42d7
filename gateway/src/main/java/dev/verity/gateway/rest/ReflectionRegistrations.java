package dev.verity.gateway.rest;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * This service's own JSON shapes (request, response and cache records), registered for reflection
 * so a native image keeps their constructors, accessors and annotations; the contract's wire types
 * are registered once in service-runtime. In a JVM build it changes nothing.
 */
@RegisterForReflection(targets = {
        dev.verity.gateway.chat.ChatRequest.class, dev.verity.gateway.chat.ChatRequest.Turn.class,
        dev.verity.gateway.rest.OpenAiErrors.OpenAiError.class, dev.verity.gateway.rest.OpenAiErrors.Body.class,
        dev.verity.gateway.status.CombinedStatus.class
})
public final class ReflectionRegistrations {

    private ReflectionRegistrations() {
    }
}
