package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonValue;

/** Run and status event types. */
public enum EventType {
    AGENT_STARTED("agent_started"),
    AGENT_THINKING("agent_thinking"),
    TOOL_EXECUTING("tool_executing"),
    TOOL_COMPLETED("tool_completed"),
    AGENT_COMPLETED("agent_completed"),
    AGENT_FAILED("agent_failed"),
    REQUEST_QUEUED("request_queued"),
    SERVICE_INITIALIZING("service_initializing"),
    SERVICE_READY("service_ready"),
    SERVICE_DEGRADED("service_degraded"),
    SERVICE_UNAVAILABLE("service_unavailable");

    private final String wire;

    EventType(String wire) {
        this.wire = wire;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    /** {@code agent_completed} and {@code agent_failed}: every run ends with exactly one. */
    public boolean isTerminal() {
        return this == AGENT_COMPLETED || this == AGENT_FAILED;
    }

    public static EventType fromWire(String wire) {
        for (EventType type : values()) {
            if (type.wire.equals(wire)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown event type: " + wire);
    }
}
