package dev.verity.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Every response body and event the suites receive passes through here. A body fails when it
 * holds a canned phrase, internal detail (exception class names, stack frames, the provider's
 * URL or API keys), or is an AI success without provenance. Counts feed the closing line.
 */
public final class Scanner {

    static final AtomicLong SCANNED = new AtomicLong();
    static final AtomicLong VIOLATIONS = new AtomicLong();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CANNED = List.of(
            "i apologize", "i apologise", "fallback response", "encountered an error processing your request",
            "\"model_selected\":\"fallback\"", "processing completed with");
    private static final Pattern EXCEPTION_CLASS =
            Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9]*(?:Exception|Error)\\b");
    private static final Pattern STACK_FRAME = Pattern.compile("\\bat (?:[a-z][\\w$]*\\.)+[\\w$<>]+\\(");
    private static final Set<String> SECRETS = new CopyOnWriteArraySet<>();

    private Scanner() {
    }

    /** Strings that must never reach a user: provider URLs and keys of this stack. */
    public static void forbid(String secret) {
        SECRETS.add(secret);
    }

    /** Violations in a user-facing body; empty when clean. */
    public static List<String> violations(String body) {
        SCANNED.incrementAndGet();
        List<String> found = new ArrayList<>();
        String lower = body.toLowerCase(Locale.ROOT);
        CANNED.stream().filter(lower::contains).forEach(p -> found.add("canned phrase: " + p));
        if (EXCEPTION_CLASS.matcher(body).find()) {
            found.add("exception class name");
        }
        if (STACK_FRAME.matcher(body).find()) {
            found.add("stack frame");
        }
        SECRETS.stream().filter(body::contains).forEach(s -> found.add("internal detail: " + redact(s)));
        found.addAll(provenanceViolations(body));
        VIOLATIONS.addAndGet(found.size());
        return found;
    }

    /** An AI answer ({@code response} or {@code choices}) must carry a model and the provider's id. */
    private static List<String> provenanceViolations(String body) {
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (Exception notJson) {
            return List.of();
        }
        if (node == null || !node.isObject()) {
            return List.of();
        }
        boolean aiAnswer = node.has("choices") || node.has("response");
        if (!aiAnswer || node.has("error_type")) {
            return List.of();
        }
        JsonNode provenance = node.path("provenance");
        if (provenance.path("model").asText("").isEmpty() || provenance.path("provider_request_id").asText("").isEmpty()) {
            return List.of("AI answer without provenance");
        }
        return List.of();
    }

    private static String redact(String secret) {
        return secret.length() <= 6 ? "***" : secret.substring(0, 4) + "***";
    }
}
