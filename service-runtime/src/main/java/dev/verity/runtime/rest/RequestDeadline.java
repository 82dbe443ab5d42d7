package dev.verity.runtime.rest;

import dev.verity.contract.Headers;
import jakarta.ws.rs.core.HttpHeaders;
import java.time.Instant;

/**
 * What a caller said in {@code X-Request-Deadline} (epoch milliseconds, DESIGN §4): nothing, a
 * point in time, or something that is not a number. Each service decides what a missing or
 * malformed deadline means for it; the header is read in one place.
 */
public sealed interface RequestDeadline {

    record Absent() implements RequestDeadline {
    }

    record At(Instant instant) implements RequestDeadline {
    }

    record Malformed(String value) implements RequestDeadline {
    }

    static RequestDeadline of(HttpHeaders headers) {
        return parse(headers == null ? null : headers.getHeaderString(Headers.REQUEST_DEADLINE));
    }

    static RequestDeadline parse(String header) {
        if (header == null || header.isBlank()) {
            return new Absent();
        }
        try {
            return new At(Instant.ofEpochMilli(Long.parseLong(header.trim())));
        } catch (NumberFormatException e) {
            return new Malformed(header);
        }
    }
}
