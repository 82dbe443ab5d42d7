package dev.verity.gateway.status;

import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ServiceState;
import dev.verity.runtime.status.StatusDecision;
import dev.verity.runtime.status.StatusReporter;
import dev.verity.runtime.status.Verdict;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * The gateway's own capability status (DESIGN §9). PostgreSQL holds support tickets and Redis
 * carries rate limits and cross-replica events: either down degrades the gateway, never stops it.
 */
@ApplicationScoped
public class GatewayStatus implements StatusDecision {

    private final Pool pool;
    private final RelayHealth relay;

    public GatewayStatus(Pool pool, RelayHealth relay) {
        this.pool = pool;
        this.relay = relay;
    }

    @Override
    public String initializing() {
        return "checking PostgreSQL and Redis";
    }

    @Override
    public Uni<Verdict> decide(Uni<ComponentStatus> redis) {
        Uni<ComponentStatus> postgres = pool.query("SELECT 1").execute()
                .ifNoItem().after(StatusReporter.CHECK_TIMEOUT).fail()
                .map(rows -> ComponentStatus.up())
                .onFailure().recoverWithItem(e -> ComponentStatus.down("PostgreSQL does not answer"));
        return Uni.combine().all().unis(postgres, redis).asTuple()
                .map(checks -> verdict(checks.getItem1(), checks.getItem2()));
    }

    private Verdict verdict(ComponentStatus postgres, ComponentStatus cache) {
        // "events": whether run events from other replicas (Redis pub/sub) reach this replica's sockets.
        Map<String, ComponentStatus> components = Map.of("postgres", postgres, "redis", cache, "events", relay.component());
        if (postgres.isUp() && cache.isUp()) {
            return new Verdict(ServiceState.READY, null, components);
        }
        String reason = !postgres.isUp() && !cache.isUp()
                ? "PostgreSQL and Redis unreachable: no support tickets, local events only, service status by polling only"
                : !postgres.isUp()
                        ? "PostgreSQL unreachable: support tickets cannot be recorded"
                        : "Redis unreachable: local events only, service status by polling only, rate limits not enforced";
        return new Verdict(ServiceState.DEGRADED, reason, components);
    }
}
