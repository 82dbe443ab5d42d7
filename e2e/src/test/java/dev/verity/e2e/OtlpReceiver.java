package dev.verity.e2e;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An OTLP/HTTP trace receiver the e2e stack exports to ({@code POST /v1/traces}, protobuf). It
 * reads only what the tests look at (trace and span ids, parent, name, the exporting service and
 * the attributes) with a minimal protobuf reader, so no collector or generated classes are needed.
 */
public final class OtlpReceiver implements AutoCloseable {

    /** One received span; {@code attributes} holds string, bool and integer values as text. */
    public record ReceivedSpan(String service, String traceId, String spanId, String parentSpanId, String name,
            int kind, int statusCode, Map<String, String> attributes) {

        public String attribute(String key) {
            return attributes.get(key);
        }
    }

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();

    public OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                body = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body)).readAllBytes();
            }
            try {
                // Kept for a failing test's reader: target/otlp holds every export as received.
                java.nio.file.Path dump = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target/otlp"));
                java.nio.file.Files.write(dump.resolve(System.nanoTime() + ".bin"), body);
                readRequest(body);
            } catch (RuntimeException | IOException e) {
                // A body this reader cannot follow is answered like any other: the test then sees no spans.
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    public String endpoint() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    public List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    public List<ReceivedSpan> trace(String traceId) {
        return spans.stream().filter(s -> traceId.equals(s.traceId())).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void readRequest(byte[] body) {
        Reader request = new Reader(body);
        while (request.more()) {
            int field = request.tag();
            if (field == 1) {
                readResourceSpans(request.message());
            } else {
                request.skip();
            }
        }
    }

    private void readResourceSpans(Reader resourceSpans) {
        String service = null;
        java.util.List<Reader> scopes = new java.util.ArrayList<>();
        while (resourceSpans.more()) {
            int field = resourceSpans.tag();
            if (field == 1) {
                Map<String, String> attributes = new HashMap<>();
                Reader resource = resourceSpans.message();
                while (resource.more()) {
                    if (resource.tag() == 1) {
                        keyValue(resource.message(), attributes);
                    } else {
                        resource.skip();
                    }
                }
                service = attributes.get("service.name");
            } else if (field == 2) {
                scopes.add(resourceSpans.message());
            } else {
                resourceSpans.skip();
            }
        }
        for (Reader scope : scopes) {
            while (scope.more()) {
                if (scope.tag() == 2) {
                    readSpan(service, scope.message());
                } else {
                    scope.skip();
                }
            }
        }
    }

    private void readSpan(String service, Reader span) {
        String traceId = null;
        String spanId = null;
        String parent = "";
        String name = null;
        int kind = 0;
        int status = 0;
        Map<String, String> attributes = new HashMap<>();
        while (span.more()) {
            switch (span.tag()) {
                case 1 -> traceId = HexFormat.of().formatHex(span.bytes());
                case 2 -> spanId = HexFormat.of().formatHex(span.bytes());
                case 4 -> parent = HexFormat.of().formatHex(span.bytes());
                case 5 -> name = span.string();
                case 6 -> kind = (int) span.varint();
                case 9 -> keyValue(span.message(), attributes);
                case 15 -> {
                    Reader s = span.message();
                    while (s.more()) {
                        if (s.tag() == 3) {
                            status = (int) s.varint();
                        } else {
                            s.skip();
                        }
                    }
                }
                default -> span.skip();
            }
        }
        spans.add(new ReceivedSpan(service, traceId, spanId, parent, name, kind, status, Map.copyOf(attributes)));
    }

    private static void keyValue(Reader kv, Map<String, String> into) {
        String key = null;
        String value = null;
        while (kv.more()) {
            int field = kv.tag();
            if (field == 1) {
                key = kv.string();
            } else if (field == 2) {
                Reader any = kv.message();
                while (any.more()) {
                    switch (any.tag()) {
                        case 1 -> value = any.string();
                        case 2 -> value = Boolean.toString(any.varint() != 0);
                        case 3 -> value = Long.toString(any.varint());
                        default -> any.skip();
                    }
                }
            } else {
                kv.skip();
            }
        }
        if (key != null && value != null) {
            into.put(key, value);
        }
    }

    /** Protobuf wire format, the four wire types OTLP uses. */
    private static final class Reader {
        private final byte[] data;
        private int position;
        private final int end;
        private int wireType;

        Reader(byte[] data) {
            this(data, 0, data.length);
        }

        private Reader(byte[] data, int from, int to) {
            this.data = data;
            this.position = from;
            this.end = to;
        }

        boolean more() {
            return position < end;
        }

        int tag() {
            long key = varint();
            wireType = (int) (key & 7);
            return (int) (key >>> 3);
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = data[position++];
                result |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new IllegalStateException("malformed varint");
        }

        Reader message() {
            int length = (int) varint();
            Reader inner = new Reader(data, position, position + length);
            position += length;
            return inner;
        }

        byte[] bytes() {
            int length = (int) varint();
            byte[] out = java.util.Arrays.copyOfRange(data, position, position + length);
            position += length;
            return out;
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        void skip() {
            switch (wireType) {
                case 0 -> varint();
                case 1 -> position += 8;
                case 2 -> {
                    // Read the length first: "position += varint()" would add it to the position before the varint.
                    int length = (int) varint();
                    position += length;
                }
                case 5 -> position += 4;
                default -> throw new IllegalStateException("wire type " + wireType);
            }
        }
    }
}
