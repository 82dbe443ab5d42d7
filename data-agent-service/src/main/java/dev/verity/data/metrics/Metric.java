package dev.verity.data.metrics;

import java.util.Optional;

/** The metrics a query may ask for. */
public enum Metric {
    LATENCY_MS("latency_ms", "ms"),
    THROUGHPUT("throughput", "calls_per_second"),
    ERROR_RATE("error_rate", "ratio"),
    TOKENS("tokens", "tokens"),
    COST_USD("cost_usd", "usd");

    private final String wire;
    private final String unit;

    Metric(String wire, String unit) {
        this.wire = wire;
        this.unit = unit;
    }

    public String wire() {
        return wire;
    }

    public String unit() {
        return unit;
    }

    public static Optional<Metric> fromWire(String wire) {
        for (Metric metric : values()) {
            if (metric.wire.equals(wire)) {
                return Optional.of(metric);
            }
        }
        return Optional.empty();
    }
}
