package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/** Customer tier from the JWT {@code tier} claim. Lower {@link #priority()} is served first. */
public enum Tier {
    ENTERPRISE("enterprise", 0),
    MID("mid", 1),
    EARLY("early", 2),
    FREE("free", 3);

    private final String wire;
    private final int priority;

    Tier(String wire, int priority) {
        this.wire = wire;
        this.priority = priority;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    public int priority() {
        return priority;
    }

    public static Optional<Tier> fromWire(String wire) {
        for (Tier tier : values()) {
            if (tier.wire.equals(wire)) {
                return Optional.of(tier);
            }
        }
        return Optional.empty();
    }
}
