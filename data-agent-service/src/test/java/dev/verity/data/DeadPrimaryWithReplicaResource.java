package dev.verity.data;

import dev.verity.local.Endpoints;
import dev.verity.local.PostgresEndpoint;
import dev.verity.local.TestInfra;
import dev.verity.local.VerityTestResource;
import java.util.Map;

/** The primary at a port where nothing listens; the real test database configured as read replica. */
public class DeadPrimaryWithReplicaResource extends VerityTestResource {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new java.util.HashMap<>(super.start());
        PostgresEndpoint pg = TestInfra.get().postgres(Database.NAME);
        String dead = "127.0.0.1:" + Endpoints.freePort() + "/" + pg.database();
        config.put("quarkus.datasource.reactive.url", "postgresql://" + dead);
        config.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://" + dead);
        config.put("verity.data.replica-url", pg.reactiveUrl());
        return config;
    }
}
