package dev.verity.contract;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental Server-Sent Events decoder for one response body (a provider's completion stream,
 * the cascade's, the agent's run stream): network buffers go in as they arrive (split anywhere,
 * even inside a UTF-8 character), the {@code data} payload of every complete event comes out.
 * Lines end at CRLF, LF or CR, as the SSE specification allows, a CRLF split across two buffers
 * included. Lines are only decoded once complete, so a character split across two buffers is never
 * mangled. Comments and fields other than {@code data} are ignored; an event left incomplete when
 * the body ends is not dispatched (as the specification says). Stateful: one instance per stream.
 */
public final class SseDecoder {

    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private boolean previousWasCarriageReturn;

    /** The events completed by these bytes, in order. */
    public List<String> feed(byte[] bytes) {
        List<String> events = new ArrayList<>();
        for (byte b : bytes) {
            if (b == '\n' && previousWasCarriageReturn) {
                // The second half of a CRLF: the line already ended at the CR.
                previousWasCarriageReturn = false;
                continue;
            }
            previousWasCarriageReturn = b == '\r';
            if (b == '\n' || b == '\r') {
                endLine(events);
            } else {
                line.write(b);
            }
        }
        return events;
    }

    private void endLine(List<String> events) {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.isEmpty()) {
            if (hasData) {
                events.add(data.toString());
            }
            data.setLength(0);
            hasData = false;
            return;
        }
        if (text.startsWith(":")) {
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        if (!field.equals("data")) {
            return;
        }
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if (hasData) {
            data.append('\n');
        }
        data.append(value);
        hasData = true;
    }
}
