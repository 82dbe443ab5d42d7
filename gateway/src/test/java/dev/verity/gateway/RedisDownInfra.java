package dev.verity.gateway;

import dev.verity.local.VerityTestResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

/** Real PostgreSQL and JWT keys, but Redis pointed at a port where nothing listens. */
public class RedisDownInfra extends VerityTestResource {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        config.put("quarkus.redis.hosts", "redis://localhost:" + unusedPort());
        return config;
    }

    private static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
