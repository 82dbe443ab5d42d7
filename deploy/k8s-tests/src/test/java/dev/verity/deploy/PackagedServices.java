package dev.verity.deploy;

import dev.verity.local.Endpoints;
import dev.verity.local.PostgresEndpoint;
import dev.verity.local.ServiceProcess;
import dev.verity.local.TestInfra;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The services as the packaged runner jars Kubernetes images are built from, started as real processes. */
final class PackagedServices {

    static final String DATABASE = "verity_k8s_test";
    static final int REDIS_DB = 9;

    private static boolean schemasDropped;

    private PackagedServices() {
    }

    /** The environment a pod would get, pointing at the test PostgreSQL and Redis. */
    static Map<String, String> environment() {
        TestInfra infra = TestInfra.get();
        PostgresEndpoint pg = infra.postgres(DATABASE);
        freshSchemas(pg);
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", pg.reactiveUrl());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", pg.jdbcUrl());
        env.put("QUARKUS_DATASOURCE_USERNAME", pg.user());
        env.put("QUARKUS_DATASOURCE_PASSWORD", pg.password() == null ? "" : pg.password());
        env.put("QUARKUS_REDIS_HOSTS", infra.redis().url() + "/" + REDIS_DB);
        env.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", infra.keys().publicKeyPem().toUri().toString());
        env.put("MP_JWT_VERIFY_ISSUER", infra.tokens().issuer());
        env.putAll(infra.receiptKeys().env());
        return env;
    }

    /**
     * Once per test JVM: the services' schemas are dropped so Flyway migrates what the services ship
     * now, whatever an earlier build of their migrations left in this database.
     */
    private static synchronized void freshSchemas(PostgresEndpoint pg) {
        if (schemasDropped) {
            return;
        }
        try (Connection connection = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password() == null ? "" : pg.password());
             Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS telemetry, gateway CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("could not reset " + DATABASE, e);
        }
        schemasDropped = true;
    }

    static ServiceProcess start(VerityService service, Map<String, String> env) {
        Path root = ServiceProcess.repoRoot();
        Path log = root.resolve("deploy/k8s-tests/target/service-logs").resolve(service.module() + "-" + System.nanoTime() + ".log");
        return new ServiceProcess(service.module(), ServiceProcess.runnerOf(root, service.module()), Endpoints.freePort(),
                env, log, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1")).start();
    }
}
