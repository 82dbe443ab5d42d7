package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.time.Instant;

/** Where a data result came from and how old it is. */
public record DataSource(
        @JsonProperty("kind") Kind kind,
        @JsonProperty("as_of") Instant asOf,
        @JsonProperty("freshness_seconds") long freshnessSeconds,
        @JsonProperty("degraded") boolean degraded) {

    public enum Kind {
        PRIMARY("primary"), REPLICA("replica"), CACHE("cache");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }
    }

    public static DataSource primary(Instant now) {
        return new DataSource(Kind.PRIMARY, now, 0, false);
    }

    public static DataSource replica(Instant now) {
        return new DataSource(Kind.REPLICA, now, 0, true);
    }

    /** A cached result is always degraded and carries its real age. */
    public static DataSource cache(Instant asOf, Instant now) {
        return new DataSource(Kind.CACHE, asOf, Math.max(0, Duration.between(asOf, now).toSeconds()), true);
    }
}
