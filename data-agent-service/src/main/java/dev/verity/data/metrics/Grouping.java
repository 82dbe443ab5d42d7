package dev.verity.data.metrics;

import java.util.Optional;

/**
 * How series are split. The SQL column comes from this fixed list, never from the request text,
 * which is the only way a name (not a value) can enter a statement safely.
 */
public enum Grouping {
    NONE(null, "NULL::text"),
    MODEL("model", "model"),
    PROVIDER("provider", "provider");

    private final String wire;
    private final String column;

    Grouping(String wire, String column) {
        this.wire = wire;
        this.column = column;
    }

    public String wire() {
        return wire;
    }

    String column() {
        return column;
    }

    public static Optional<Grouping> fromWire(String wire) {
        if (wire == null) {
            return Optional.of(NONE);
        }
        for (Grouping grouping : values()) {
            if (wire.equals(grouping.wire)) {
                return Optional.of(grouping);
            }
        }
        return Optional.empty();
    }
}
