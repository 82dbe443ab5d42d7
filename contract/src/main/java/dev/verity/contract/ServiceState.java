package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonValue;

/** Capability state of a service. */
public enum ServiceState {
    INITIALIZING("initializing"),
    READY("ready"),
    DEGRADED("degraded"),
    UNAVAILABLE("unavailable");

    private final String wire;

    ServiceState(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    public static ServiceState fromWire(String wire) {
        for (ServiceState state : values()) {
            if (state.wire.equals(wire)) {
                return state;
            }
        }
        throw new IllegalArgumentException("unknown service state: " + wire);
    }
}
