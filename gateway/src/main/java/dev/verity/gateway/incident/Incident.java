package dev.verity.gateway.incident;

import java.time.Instant;
import java.util.List;

/**
 * An incident as stored. {@code requestIds} are the most recent ones (bounded), {@code occurrences}
 * counts every failure; {@code resolvedAt} and {@code resolution} are set once it is resolved.
 */
public record Incident(String id, IncidentKey key, State state, int status, String detail, String accountManagerEmail,
                       long occurrences, int affectedUsers, List<String> requestIds, Instant firstSeen, Instant lastSeen,
                       Instant resolvedAt, Resolution resolution) {

    public enum State {
        OPEN("open"), RESOLVED("resolved");

        private final String wire;

        State(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        static State fromWire(String wire) {
            return "open".equals(wire) ? OPEN : RESOLVED;
        }
    }

    /** Why an incident resolved. */
    public enum Resolution {
        /** A request of the same kind for the organisation succeeded after it opened. */
        SUCCESS("success"),
        /** No new occurrence for {@code verity.incidents.quiet-period}. */
        QUIET_PERIOD("quiet_period"),
        /** A per-request ticket from before incidents existed. */
        MIGRATED("migrated");

        private final String wire;

        Resolution(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        static Resolution fromWire(String wire) {
            if (wire == null) {
                return null;
            }
            for (Resolution r : values()) {
                if (r.wire.equals(wire)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("unknown resolution " + wire);
        }
    }
}
