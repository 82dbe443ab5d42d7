package dev.verity.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.receipt.Digests;
import dev.verity.contract.receipt.InvalidReceipt;
import dev.verity.contract.receipt.ReceiptVerifier;
import dev.verity.contract.receipt.ReceivedAnswer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Every response body and event the suites receive passes through here. A body fails when it
 * holds internal detail (exception class names, stack frames, the provider's URL or API keys),
 * is an AI success without provenance or without a receipt that verifies with the gateway's
 * published keys (once {@link #trust} has them), or holds a canned phrase, unless it is such a
 * verified answer: a model may really say "I apologize…", and its receipt proves it did. Counts
 * feed the closing line.
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
    private static volatile ReceiptVerifier verifier;

    private Scanner() {
    }

    /** Strings that must never reach a user: provider URLs and keys of this stack. */
    public static void forbid(String secret) {
        SECRETS.add(secret);
    }

    /** The published receipt keys: from now on every AI answer must carry a receipt that verifies with them. */
    public static void trust(ReceiptVerifier published) {
        verifier = published;
    }

    /** Violations in a user-facing body; empty when clean. */
    public static List<String> violations(String body) {
        SCANNED.incrementAndGet();
        List<String> found = new ArrayList<>();
        String lower = body.toLowerCase(Locale.ROOT);
        List<String> receiptProblems = provenanceViolations(body);
        boolean verifiedAnswer = receiptProblems.isEmpty() && verifier != null && isAiAnswer(body);
        if (!verifiedAnswer) {
            CANNED.stream().filter(lower::contains).forEach(p -> found.add("canned phrase: " + p));
        }
        if (EXCEPTION_CLASS.matcher(body).find()) {
            found.add("exception class name");
        }
        if (STACK_FRAME.matcher(body).find()) {
            found.add("stack frame");
        }
        SECRETS.stream().filter(body::contains).forEach(s -> found.add("internal detail: " + redact(s)));
        found.addAll(receiptProblems);
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
        ReceiptVerifier published = verifier;
        if (published == null) {
            return List.of();
        }
        String content = node.has("response") ? node.path("response").asText("")
                : node.path("choices").path(0).path("message").path("content").asText("");
        JsonNode message = node.path("choices").path(0).path("message");
        List<Digests.ToolCallText> calls = new ArrayList<>();
        message.path("tool_calls").forEach(call -> calls.add(new Digests.ToolCallText(call.path("id").asText(null),
                call.path("function").path("name").asText(null), call.path("function").path("arguments").asText(null))));
        String refusal = message.path("refusal").isTextual() ? message.path("refusal").asText() : null;
        try {
            published.verifyAnswer(provenance.path("receipt").asText(null), new ReceivedAnswer(null,
                    provenance.path("model").asText(), provenance.path("provider_request_id").asText(),
                    provenance.path("degraded").asBoolean(), content, refusal, calls, null));
            return List.of();
        } catch (InvalidReceipt e) {
            return List.of("AI answer whose receipt does not verify: " + e.getMessage());
        }
    }

    private static boolean isAiAnswer(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() && (node.has("choices") || node.has("response")) && !node.has("error_type");
        } catch (Exception notJson) {
            return false;
        }
    }

    private static String redact(String secret) {
        return secret.length() <= 6 ? "***" : secret.substring(0, 4) + "***";
    }
}
