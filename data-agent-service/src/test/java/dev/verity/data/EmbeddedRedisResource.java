package dev.verity.data;

import dev.verity.local.Endpoints;
import dev.verity.local.LocalRedis;
import dev.verity.local.VerityTestResource;
import java.io.IOException;
import java.util.Map;

/** Real PostgreSQL, and a Redis of the test's own that it can stop and start again on the same port. */
public class EmbeddedRedisResource extends VerityTestResource {

    private static volatile int port;
    private static volatile LocalRedis redis;

    static synchronized void startRedis() {
        if (redis == null) {
            redis = LocalRedis.startEmbedded(port);
        }
    }

    static synchronized void stopRedis() {
        if (redis != null) {
            try {
                redis.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            redis = null;
        }
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new java.util.HashMap<>(super.start());
        port = Endpoints.freePort();
        startRedis();
        config.put("quarkus.redis.hosts", redis.endpoint().url());
        return config;
    }

    @Override
    public void stop() {
        stopRedis();
        super.stop();
    }
}
