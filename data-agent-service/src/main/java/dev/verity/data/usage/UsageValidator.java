package dev.verity.data.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.contract.FieldError;
import dev.verity.contract.Money;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Checks usage rows field by field, from the HTTP batch and from the usage stream
 * (contract {@code UsageEvent}), and names every bad field instead of stopping at the first one.
 * Strings are data: any content is accepted within the length limit and stored verbatim.
 */
public final class UsageValidator {

    static final int MAX_TEXT = 256;
    private static final Set<String> OUTCOMES = Set.of("success", "error", "timeout");
    private static final Set<String> BATCH_FIELDS = Set.of("id", "request_id", "model", "provider", "prompt_tokens",
            "completion_tokens", "cost_usd", "latency_ms", "outcome", "created_at");
    private static final BigDecimal MAX_COST = Money.MAX_CALL_COST;
    // Far inside PostgreSQL's timestamptz range, so a valid row can never fail at insert time.
    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private UsageValidator() {
    }

    /** The outcome of validating one row: the call, or the reasons it cannot be stored. */
    public record Checked(UsageCall call, List<FieldError> errors) {
        public boolean valid() {
            return errors.isEmpty();
        }
    }

    /** A row of {@code POST /v1/usage}; org and user come from the caller's token, never from the row. */
    public static Checked batchRow(int row, JsonNode node, String orgId, String userId) {
        List<FieldError> errors = new ArrayList<>();
        if (node == null || !node.isObject()) {
            errors.add(new FieldError(row, null, "each call must be a JSON object"));
            return new Checked(null, errors);
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!BATCH_FIELDS.contains(name)) {
                errors.add(new FieldError(row, name, "unknown field"));
            }
        }
        Fields f = new Fields(row, node, errors, false);
        UsageCall call = new UsageCall(
                f.text("id", true), orgId, userId, f.text("request_id", false), f.text("model", true),
                f.text("provider", true), f.count("prompt_tokens"), f.count("completion_tokens"), f.cost("cost_usd"),
                f.latency("latency_ms"), f.outcome("outcome"), null, false, false, f.instant("created_at"));
        return new Checked(errors.isEmpty() ? call : null, errors);
    }

    /** A {@code UsageEvent} read from the stream; the event carries its own org and user. */
    public static Checked streamEvent(JsonNode node) {
        List<FieldError> errors = new ArrayList<>();
        if (node == null || !node.isObject()) {
            errors.add(new FieldError(null, null, "event is not a JSON object"));
            return new Checked(null, errors);
        }
        Fields f = new Fields(null, node, errors, true);
        UsageCall call = new UsageCall(
                f.text("event_id", true), f.text("org_id", true), f.text("user_id", false),
                f.text("request_id", false), f.text("model", true), f.text("provider", true),
                f.count("prompt_tokens"), f.count("completion_tokens"), f.cost("cost_usd"), f.latency("latency_ms"),
                f.outcome("outcome"), f.text("error_type", false), f.bool("cache_hit"), f.bool("degraded"),
                f.instant("created_at"));
        return new Checked(errors.isEmpty() ? call : null, errors);
    }

    /**
     * Reads one field each, recording what is wrong with it. {@code ownCost}: the cost comes from
     * the cascade's {@code UsageEvent} (stream or re-drive), which has exactly {@link Money#SCALE}
     * places; one with more was written before money was exact (a double's noise past the 12th
     * place, e.g. 1.0500000000000001E-5) and is put at {@link Money#SCALE}, which recovers the
     * decimal the cascade meant. A caller's own rows are never rounded: more places are refused.
     */
    private record Fields(Integer row, JsonNode node, List<FieldError> errors, boolean ownCost) {

        private JsonNode value(String name) {
            JsonNode value = node.get(name);
            return value == null || value.isNull() ? null : value;
        }

        private void bad(String field, String reason) {
            errors.add(new FieldError(row, field, reason));
        }

        String text(String name, boolean required) {
            JsonNode value = value(name);
            if (value == null) {
                if (required) {
                    bad(name, "is required");
                }
                return null;
            }
            if (!value.isTextual()) {
                bad(name, "must be a string");
                return null;
            }
            String text = value.asText();
            if (required && text.isBlank()) {
                bad(name, "must not be blank");
                return null;
            }
            if (text.length() > MAX_TEXT) {
                bad(name, "must be at most " + MAX_TEXT + " characters");
                return null;
            }
            if (text.indexOf('\0') >= 0) {
                bad(name, "must not contain NUL characters");
                return null;
            }
            return text;
        }

        Integer count(String name) {
            JsonNode value = value(name);
            if (value == null) {
                return null;
            }
            if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0) {
                bad(name, "must be a whole number from 0 to " + Integer.MAX_VALUE);
                return null;
            }
            return value.intValue();
        }

        BigDecimal cost(String name) {
            JsonNode value = value(name);
            if (value == null) {
                return null;
            }
            if (!value.isNumber() || value.decimalValue().signum() < 0 || value.decimalValue().compareTo(MAX_COST) > 0) {
                bad(name, "must be a number from 0 to " + MAX_COST.toPlainString());
                return null;
            }
            // Verity's own costs have exactly Money.SCALE places; what callers send may have fewer, never more,
            // so every stored cost fits NUMERIC(24, 12) without rounding.
            if (ownCost) {
                return Money.scaled(value.decimalValue());
            }
            if (value.decimalValue().stripTrailingZeros().scale() > Money.SCALE) {
                bad(name, "must have at most " + Money.SCALE + " decimal places");
                return null;
            }
            return value.decimalValue();
        }

        long latency(String name) {
            JsonNode value = value(name);
            if (value == null) {
                bad(name, "is required");
                return 0;
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
                bad(name, "must be a whole number of milliseconds, 0 or more");
                return 0;
            }
            return value.longValue();
        }

        String outcome(String name) {
            String outcome = text(name, true);
            if (outcome != null && !OUTCOMES.contains(outcome)) {
                bad(name, "must be one of success, error, timeout");
                return null;
            }
            return outcome;
        }

        boolean bool(String name) {
            JsonNode value = value(name);
            if (value == null) {
                return false;
            }
            if (!value.isBoolean()) {
                bad(name, "must be true or false");
                return false;
            }
            return value.booleanValue();
        }

        Instant instant(String name) {
            String text = text(name, true);
            if (text == null) {
                return null;
            }
            try {
                Instant instant = OffsetDateTime.parse(text).toInstant();
                if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
                    bad(name, "must be between " + EARLIEST + " and " + LATEST);
                    return null;
                }
                return instant;
            } catch (DateTimeParseException e) {
                bad(name, "must be an ISO-8601 timestamp with offset, e.g. 2026-11-01T12:00:00Z");
                return null;
            }
        }
    }
}
