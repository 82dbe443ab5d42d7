package dev.verity.contract.receipt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** The digests a receipt's claims hold, each defined so a client in any language recomputes it. */
public final class Digests {

    private static final HexFormat HEX = HexFormat.of();

    private Digests() {
    }

    /** Lower-case hex SHA-256 of the text's UTF-8 bytes ({@code content_sha256}, {@code refusal_sha256}). */
    public static String text(String text) {
        return HEX.formatHex(sha256(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * {@code tool_calls_sha256}: hex SHA-256 of the canonical JSON array of the calls in index order,
     * each {@code {"arguments":…,"id":…,"name":…}} with exactly the strings the client receives
     * (for a stream: the concatenated {@code function.arguments} pieces of each call index).
     */
    public static String toolCalls(List<ToolCallText> calls) {
        List<Object> canonical = new ArrayList<>(calls.size());
        for (ToolCallText call : calls) {
            canonical.add(Map.of("arguments", nullToEmpty(call.arguments()), "id", nullToEmpty(call.id()),
                    "name", nullToEmpty(call.name())));
        }
        return text(Json.write(canonical));
    }

    /** {@code attempts_sha256}: hex SHA-256 of the canonical JSON of {@code provenance.attempts} as parsed. */
    public static String attempts(Object parsedAttempts) {
        return text(Json.write(parsedAttempts == null ? List.of() : parsedAttempts));
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /** One tool call as the client receives it. */
    public record ToolCallText(String id, String name, String arguments) {
    }
}
