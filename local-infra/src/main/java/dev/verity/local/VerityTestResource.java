package dev.verity.local;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} real PostgreSQL, real Redis, a JWT signing authority and receipt keys, the same
 * way in every module: servers at the configured addresses when they answer, embedded otherwise.
 * Init arg {@code database} names the module's own database (default {@code verity_test}) and
 * {@code redis-db} its own Redis database index (default 0), so modules never read each other's
 * streams and keys (pub/sub channels are server-wide in Redis and stay shared).
 */
public class VerityTestResource implements QuarkusTestResourceLifecycleManager {

    private String database = "verity_test";
    private String redisDb = "0";

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault("database", database);
        redisDb = initArgs.getOrDefault("redis-db", redisDb);
    }

    @Override
    public Map<String, String> start() {
        TestInfra infra = TestInfra.get();
        PostgresEndpoint pg = infra.postgres(database);
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.reactive.url", pg.reactiveUrl());
        config.put("quarkus.datasource.jdbc.url", pg.jdbcUrl());
        config.put("quarkus.datasource.username", pg.user());
        config.put("quarkus.datasource.password", pg.password());
        config.put("quarkus.redis.hosts", infra.redisUrl(redisDb));
        config.put("mp.jwt.verify.publickey.location", infra.keys().publicKeyPem().toUri().toString());
        config.put("mp.jwt.verify.issuer", infra.tokens().issuer());
        config.putAll(infra.receiptKeys().config());
        return config;
    }

    @Override
    public void stop() {
        // Servers are shared by every test class of the JVM and stopped by TestInfra's shutdown hook.
    }
}
