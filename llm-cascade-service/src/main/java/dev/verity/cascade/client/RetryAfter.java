package dev.verity.cascade.client;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** A provider's {@code Retry-After} header (RFC 9110 §10.2.3): delta-seconds or an HTTP date. */
final class RetryAfter {

    private RetryAfter() {
    }

    /** Whole seconds, at least 1; null when the header is absent or unreadable (the caller then picks its own wait). */
    static Integer seconds(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return Math.max(1, (int) Math.ceil(Double.parseDouble(header.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                long seconds = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)).toSeconds();
                return (int) Math.max(1, seconds);
            } catch (RuntimeException notADate) {
                return null;
            }
        }
    }
}
