package dev.verity.data;

import dev.verity.local.Endpoints;
import dev.verity.local.PostgresEndpoint;
import dev.verity.local.TestInfra;
import dev.verity.local.VerityTestResource;
import java.util.Map;

/** Real PostgreSQL and Redis, with the database reached through a {@link TcpProxy} the test controls. */
public class ProxiedDatabaseResource extends VerityTestResource {

    private static volatile TcpProxy proxy;

    static TcpProxy proxy() {
        return proxy;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new java.util.HashMap<>(super.start());
        PostgresEndpoint pg = TestInfra.get().postgres(Database.NAME);
        proxy = new TcpProxy(Endpoints.freePort(), pg.host(), pg.port());
        proxy.start();
        String address = "127.0.0.1:" + proxy.port() + "/" + pg.database();
        config.put("quarkus.datasource.reactive.url", "postgresql://" + address);
        config.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://" + address);
        return config;
    }

    @Override
    public void stop() {
        if (proxy != null) {
            proxy.stop();
        }
        super.stop();
    }
}
