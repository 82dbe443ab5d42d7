package dev.verity.data.query;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** A half-open time window {@code [from, to)} parsed from the caller's ISO-8601 timestamps. */
public record Window(Instant from, Instant to) {

    /** Bounds well inside PostgreSQL's timestamp range, so a valid window never fails in the database. */
    static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    /** The window, or empty when a bound is missing, unparseable, out of range, or {@code to <= from}. */
    public static Optional<Window> parse(String from, String to) {
        Optional<Instant> start = instant(from);
        Optional<Instant> end = instant(to);
        if (start.isEmpty() || end.isEmpty() || !end.get().isAfter(start.get())
                || start.get().isBefore(EARLIEST) || end.get().isAfter(LATEST)) {
            return Optional.empty();
        }
        return Optional.of(new Window(start.get(), end.get()));
    }

    private static Optional<Instant> instant(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
