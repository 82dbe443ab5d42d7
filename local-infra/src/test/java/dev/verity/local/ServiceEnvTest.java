package dev.verity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceEnvTest {

    @Test
    void everyServiceIsPointedAtTheSameDatabaseRedisAndTokenKey() {
        PostgresEndpoint database = new PostgresEndpoint("localhost", 5433, "verity", "app", "pw", true);
        JwtKeys keys = JwtKeys.temporary();

        Map<String, String> env = ServiceEnv.infrastructure(database, new RedisEndpoint("localhost", 6380, true), keys,
                "https://verity.test");

        assertThat(env).containsExactlyInAnyOrderEntriesOf(Map.of(
                "QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://localhost:5433/verity",
                "QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:5433/verity",
                "QUARKUS_DATASOURCE_USERNAME", "app",
                "QUARKUS_DATASOURCE_PASSWORD", "pw",
                "QUARKUS_REDIS_HOSTS", new RedisEndpoint("localhost", 6380, true).url(),
                "MP_JWT_VERIFY_PUBLICKEY_LOCATION", keys.publicKeyPem().toUri().toString(),
                "MP_JWT_VERIFY_ISSUER", "https://verity.test"));
        assertThat(Path.of(keys.publicKeyPem().toUri())).exists();
    }
}
