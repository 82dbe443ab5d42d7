package dev.verity.data.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.FieldError;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A usage stream entry that cannot be stored, with what is known of it. {@code reasonTag} is a
 * short, bounded label for the {@code verity_usage_dead_letters_total{reason}} counter;
 * {@code reason} is the full text for the operator.
 */
public record Rejection(String sourceId, String eventId, String orgId, Instant createdAt, String reasonTag,
        String reason, String raw) {

    static Rejection unreadable(String sourceId, String raw, String reasonTag, String reason) {
        return new Rejection(sourceId, null, null, Instant.now(), reasonTag, reason, raw);
    }

    /** An event that is JSON but fails validation: its org and time are kept when they are readable. */
    static Rejection invalid(String sourceId, String raw, JsonNode event, List<FieldError> errors) {
        String tag = errors.isEmpty() || errors.getFirst().field() == null ? "invalid_event"
                : "invalid_" + errors.getFirst().field();
        String reason = errors.stream()
                .map(e -> (e.field() == null ? "" : e.field() + ": ") + e.reason())
                .collect(Collectors.joining("; "));
        return new Rejection(sourceId, text(event, "event_id"), text(event, "org_id"), time(event), tag, reason, raw);
    }

    private static String text(JsonNode event, String field) {
        JsonNode value = event == null ? null : event.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()
                || value.asText().length() > UsageValidator.MAX_TEXT || value.asText().indexOf('\0') >= 0) {
            return null;
        }
        return value.asText();
    }

    private static Instant time(JsonNode event) {
        String text = text(event, "created_at");
        if (text != null) {
            try {
                Instant at = OffsetDateTime.parse(text).toInstant();
                if (at.getEpochSecond() >= 0 && at.isBefore(Instant.parse("9999-12-31T23:59:59Z"))) {
                    return at;
                }
            } catch (RuntimeException e) {
                // Unreadable time: the rejection is dated when it happened.
            }
        }
        return Instant.now();
    }
}
