package dev.verity.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;
import redis.embedded.RedisServer;

/** A real Redis: the configured server when it answers PING, otherwise an embedded one. */
public final class LocalRedis implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalRedis.class.getName());

    private final RedisEndpoint endpoint;
    private final RedisServer embedded;

    private LocalRedis(RedisEndpoint endpoint, RedisServer embedded) {
        this.endpoint = endpoint;
        this.embedded = embedded;
    }

    /** @param configuredUrl {@code redis://host:port} (QUARKUS_REDIS_HOSTS) or null for localhost:6379 */
    public static LocalRedis findOrStart(String configuredUrl) {
        URI uri = URI.create(configuredUrl == null || configuredUrl.isBlank() ? "redis://localhost:6379" : configuredUrl);
        String host = uri.getHost() == null ? "localhost" : uri.getHost();
        int port = uri.getPort() < 0 ? 6379 : uri.getPort();
        if (ping(host, port)) {
            LOG.info(() -> "Using Redis at " + host + ":" + port);
            return new LocalRedis(new RedisEndpoint(host, port, false), null);
        }
        LOG.info(() -> "No Redis answers at " + host + ":" + port + "; starting an embedded one");
        return startEmbedded(Endpoints.freePort());
    }

    /** An embedded Redis on the given port, for tests that need to stop and restart Redis. */
    public static LocalRedis startEmbedded(int port) {
        try {
            RedisServer server = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .build();
            server.start();
            return new LocalRedis(new RedisEndpoint("127.0.0.1", port, true), server);
        } catch (IOException e) {
            throw new IllegalStateException("could not start embedded Redis: " + e.getMessage(), e);
        }
    }

    /**
     * An embedded Redis that keeps its data in {@code dataDir} with an append-only file synced on every
     * write, as a production Redis holding streams is run: stopped and started again on the same port
     * and directory, it comes back with its streams and consumer groups.
     */
    public static LocalRedis startDurable(int port, java.nio.file.Path dataDir) {
        try {
            java.nio.file.Files.createDirectories(dataDir);
            RedisServer server = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly yes")
                    .setting("appendfsync always")
                    .setting("dir " + dataDir.toAbsolutePath())
                    .build();
            server.start();
            return new LocalRedis(new RedisEndpoint("127.0.0.1", port, true), server);
        } catch (IOException e) {
            throw new IllegalStateException("could not start embedded Redis: " + e.getMessage(), e);
        }
    }

    /** Empties one database index of the server (SELECT n, FLUSHDB). */
    public static void flushDb(RedisEndpoint endpoint, int index) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(("SELECT " + index + "\r\nFLUSHDB\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String replies = new String(socket.getInputStream().readNBytes(10), StandardCharsets.US_ASCII);
            if (!replies.startsWith("+OK\r\n+OK")) {
                throw new IllegalStateException("Redis refused FLUSHDB on index " + index + ": " + replies.trim());
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not flush Redis database " + index, e);
        }
    }

    static boolean ping(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[5];
            int read = in.readNBytes(reply, 0, 5);
            return read == 5 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    public RedisEndpoint endpoint() {
        return endpoint;
    }

    /** Stops an embedded server (a configured one is left alone). */
    @Override
    public void close() throws IOException {
        if (embedded != null && embedded.isActive()) {
            embedded.stop();
        }
    }
}
