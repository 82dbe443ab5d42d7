package dev.verity.cascade.service;

import dev.verity.contract.AttemptOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.function.Supplier;

/** Micrometer meters of the cascade: attempts by model and outcome, latency, cost, streams, lost usage events. */
@ApplicationScoped
public class CascadeMetrics {

    private final MeterRegistry registry;
    private final Counter usageOverflow;

    public CascadeMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.usageOverflow = Counter.builder("verity.cascade.usage.events.dropped")
                .description("Usage events lost because Redis was unreachable and the buffer was full")
                .register(registry);
    }

    public void attempt(String model, AttemptOutcome outcome, long latencyMs) {
        registry.counter("verity.cascade.attempts", "model", model, "outcome", outcome.wire()).increment();
        Timer.builder("verity.cascade.attempt.latency")
                .description("Latency of model calls, including skipped ones")
                .tags("model", model, "outcome", outcome.wire())
                .publishPercentileHistogram()
                .register(registry)
                .record(Duration.ofMillis(latencyMs));
    }

    /** Where streams get to, by model: started, then completed, failed mid-stream, or cancelled by the caller. */
    public enum StreamStage {
        STARTED("started"), COMPLETED("completed"), FAILED("failed"), CANCELLED("cancelled");

        private final String tag;

        StreamStage(String tag) {
            this.tag = tag;
        }
    }

    public void stream(String model, StreamStage stage) {
        registry.counter("verity.cascade.streams", "model", model, "stage", stage.tag).increment();
    }

    /** An answer (plain or streamed) from {@code model} after a route preferred to it failed. */
    public void fallback(String model) {
        Counter.builder("verity.cascade.fallbacks").tag("model", model)
                .description("Answers given by a model in place of a preferred route that failed")
                .register(registry).increment();
    }

    public void cost(String model, BigDecimal usd) {
        if (usd != null) {
            // The one place money becomes a double: a Prometheus sample is a float by definition.
            // Usage rows and every figure a user sees keep the exact decimal.
            registry.counter("verity.cascade.cost.usd", "model", model).increment(usd.doubleValue());
        }
    }

    public void usageDropped() {
        usageOverflow.increment();
    }

    public void usageBuffered(Supplier<Number> size) {
        registry.gauge("verity.cascade.usage.events.buffered", Tags.empty(), size, s -> s.get().doubleValue());
    }

    /** 0 closed, 1 half open, 2 open. */
    public void breaker(String model, Supplier<Number> state) {
        registry.gauge("verity.cascade.breaker.state", Tags.of("model", model), state,
                s -> s.get().doubleValue());
    }

    public double usageDroppedCount() {
        return usageOverflow.count();
    }
}
