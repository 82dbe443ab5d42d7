package dev.verity.data.query;

import dev.verity.data.config.DataConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The databases a read may use, in order of preference: the primary (Quarkus' reactive
 * datasource) and, when {@code verity.data.replica-url} is set, a read replica.
 */
@ApplicationScoped
public class Databases {

    private final Pool primary;
    private final Optional<Pool> replica;

    public Databases(Pool primary, DataConfig config, Vertx vertx,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.primary = primary;
        this.replica = config.replicaUrl().filter(url -> !url.isBlank()).map(url -> {
            PgConnectOptions options = PgConnectOptions.fromUri(url);
            // Credentials in the URL win; otherwise the replica uses the primary's account.
            if (!url.contains("@")) {
                user.ifPresent(options::setUser);
                password.ifPresent(options::setPassword);
            }
            options.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.queryTimeout().toMillis()));
            Log.infof("read replica configured at %s:%d", options.getHost(), options.getPort());
            return Pool.newInstance(PgBuilder.pool()
                    .with(new PoolOptions().setMaxSize(4))
                    .connectingTo(options)
                    .using(vertx)
                    .build());
        });
    }

    public Pool primary() {
        return primary;
    }

    public Optional<Pool> replica() {
        return replica;
    }

    void close(@Observes ShutdownEvent shutdown) {
        replica.ifPresent(Pool::closeAndForget);
    }
}
