package dev.verity.cascade.service;

/** CDI event: a model's circuit breaker changed state, so the service status may have changed. */
public record BreakerChanged(String model, String state) {
}
