package dev.verity.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OTLP/HTTP endpoint that accepts every export and keeps nothing, for measuring what tracing
 * costs the services (bench/README.md, "Tracing cost"): the spans are built, batched, encoded and
 * sent as in production, and the receiving side costs next to nothing. It prints how many exports
 * and bytes it took every ten seconds, so a run can show the spans really left the services.
 * {@code java -cp bench/target/bench.jar dev.verity.bench.OtlpSink 4318}
 */
public final class OtlpSink {

    private OtlpSink() {
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 4318;
        AtomicLong exports = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                bytes.addAndGet(body.transferTo(java.io.OutputStream.nullOutputStream()));
            }
            exports.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        System.out.println("otlp sink on http://127.0.0.1:" + port);
        Executors.newSingleThreadScheduledExecutor().scheduleAtFixedRate(
                () -> System.out.println("otlp sink: " + exports.get() + " exports, " + bytes.get() + " bytes"),
                10, 10, java.util.concurrent.TimeUnit.SECONDS);
    }
}
