package dev.verity.cascade.config;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * This service's own JSON shapes (request, response and cache records), registered for reflection
 * so a native image keeps their constructors, accessors and annotations; the contract's wire types
 * are registered once in service-runtime. In a JVM build it changes nothing.
 */
@RegisterForReflection(targets = {
        dev.verity.cascade.api.ChatCompletion.class, dev.verity.cascade.api.ChatCompletionRequest.class,
        dev.verity.cascade.api.ChatMessage.class, dev.verity.cascade.api.ToolCall.class,
        dev.verity.cascade.api.ToolCall.FunctionCall.class
})
public final class ReflectionRegistrations {

    private ReflectionRegistrations() {
    }
}
