package dev.verity.local;

import java.util.LinkedHashMap;
import java.util.Map;

/** The settings that point every service at its infrastructure, in environment form, written once for each launcher. */
public final class ServiceEnv {

    private ServiceEnv() {
    }

    /** PostgreSQL (reactive and JDBC for Flyway), Redis, and the key and issuer that tokens are verified with. */
    public static Map<String, String> infrastructure(PostgresEndpoint database, RedisEndpoint redis, JwtKeys keys,
            String issuer) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", database.reactiveUrl());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", database.jdbcUrl());
        env.put("QUARKUS_DATASOURCE_USERNAME", database.user());
        env.put("QUARKUS_DATASOURCE_PASSWORD", database.password());
        env.put("QUARKUS_REDIS_HOSTS", redis.url());
        env.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", keys.publicKeyPem().toUri().toString());
        env.put("MP_JWT_VERIFY_ISSUER", issuer);
        return env;
    }
}
