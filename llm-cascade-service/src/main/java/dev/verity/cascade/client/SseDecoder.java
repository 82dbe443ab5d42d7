package dev.verity.cascade.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental Server-Sent Events decoder for a provider's response body: bytes in, the data of
 * each complete event out. Lines are cut on bytes, not characters, so a multi-byte character split
 * across two network buffers is decoded whole. Comments ({@code : keep-alive}) and fields other
 * than {@code data} carry nothing a chat-completion stream needs and are skipped.
 */
final class SseDecoder {

    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final List<String> data = new ArrayList<>();

    /** The events completed by these bytes, in order; a partial event waits for the next bytes. */
    List<String> feed(byte[] bytes) {
        List<String> events = new ArrayList<>();
        for (byte b : bytes) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                accept(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text, events);
            } else {
                line.write(b);
            }
        }
        return events;
    }

    private void accept(String text, List<String> events) {
        if (text.isEmpty()) {
            if (!data.isEmpty()) {
                events.add(String.join("\n", data));
                data.clear();
            }
            return;
        }
        if (text.startsWith(":")) {
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if (field.equals("data")) {
            data.add(value);
        }
    }
}
