package dev.verity.gateway.client;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a byte stream into server-sent events and returns each event's joined {@code data:}
 * lines as they complete. Stateful: one instance per stream. Reads the cascade's completion
 * streams ({@link CascadeStreams}) and the execution agent's run streams
 * ({@code events.AgentRunStream}).
 */
public final class SseData {

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder data = new StringBuilder();
    private ByteBuffer leftover = ByteBuffer.allocate(0);

    /** The events completed by this piece of the stream, in order. */
    public List<String> feed(byte[] piece) {
        // Decode across piece borders: a multi-byte character may be split between two pieces.
        ByteBuffer bytes = ByteBuffer.allocate(leftover.remaining() + piece.length);
        bytes.put(leftover).put(piece).flip();
        CharBuffer chars = CharBuffer.allocate(bytes.remaining());
        decoder.decode(bytes, chars, false);
        leftover = bytes.slice();
        pending.append(chars.flip());
        List<String> events = new ArrayList<>();
        int newline;
        while ((newline = pending.indexOf("\n")) >= 0) {
            String line = pending.substring(0, newline);
            pending.delete(0, newline + 1);
            line(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line, events);
        }
        return events;
    }

    private void line(String line, List<String> events) {
        if (line.isEmpty()) {
            if (!data.isEmpty()) {
                events.add(data.toString());
                data.setLength(0);
            }
        } else if (line.startsWith("data:")) {
            if (!data.isEmpty()) {
                data.append('\n');
            }
            data.append(line.startsWith("data: ") ? line.substring(6) : line.substring(5));
        }
        // Comments (":") and other fields (event, id, retry) carry nothing the gateway relays.
    }
}
