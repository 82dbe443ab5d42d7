package dev.verity.gateway.status;

import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import dev.verity.gateway.notices.GatewayEvents;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * What the gateway knows about each internal service right now, fed by Redis pushes,
 * periodic polls and failed calls. Requests that need a starting service wait here for it.
 */
@ApplicationScoped
public class ServiceDirectory {

    public static final List<String> DOWNSTREAM = List.of(Services.LLM_CASCADE, Services.EXECUTION_AGENT, Services.DATA_AGENT);

    private final GatewayEvents events;
    private final Map<String, ServiceStatus> statuses = new HashMap<>();
    private final Map<String, List<CompletableFuture<ServiceStatus>>> waiters = new HashMap<>();

    public ServiceDirectory(GatewayEvents events) {
        this.events = events;
        Instant now = Instant.now();
        for (String service : DOWNSTREAM) {
            statuses.put(service, new ServiceStatus(service, ServiceState.INITIALIZING, "not checked yet", now, Map.of()));
        }
    }

    public synchronized ServiceStatus current(String service) {
        ServiceStatus status = statuses.get(service);
        if (status == null) {
            throw new IllegalArgumentException("unknown service " + service);
        }
        return status;
    }

    public synchronized Map<String, ServiceStatus> all() {
        return new LinkedHashMap<>(statuses);
    }

    /** Records a status report; reports about services the gateway does not route to are ignored. */
    public void update(ServiceStatus next) {
        ServiceStatus previous;
        List<CompletableFuture<ServiceStatus>> released = List.of();
        synchronized (this) {
            previous = statuses.get(next.service());
            if (previous == null) {
                return;
            }
            ServiceStatus stored = sameState(previous, next)
                    ? new ServiceStatus(next.service(), next.status(), next.reason(), previous.since(), next.components())
                    : withSince(next);
            statuses.put(next.service(), stored);
            if (next.status() != ServiceState.INITIALIZING) {
                List<CompletableFuture<ServiceStatus>> pending = waiters.remove(next.service());
                released = pending == null ? List.of() : pending;
            }
            next = stored;
        }
        ServiceStatus settled = next;
        released.forEach(waiter -> waiter.complete(settled));
        if (!sameState(previous, next)) {
            Log.infof("%s: %s -> %s (%s)", next.service(), previous.status().wire(), next.status().wire(), next.reason());
            events.serviceChanged(previous, next);
        }
    }

    /** A call or status check found the service not answering. */
    public void markUnreachable(String service, String reason) {
        update(new ServiceStatus(service, ServiceState.UNAVAILABLE, reason, Instant.now(), Map.of()));
    }

    /**
     * The service's status as soon as it is no longer initializing, or its status at
     * {@code deadline} if it is still starting then.
     */
    public Uni<ServiceStatus> settled(String service, Instant deadline) {
        CompletableFuture<ServiceStatus> waiter;
        synchronized (this) {
            ServiceStatus status = current(service);
            if (status.status() != ServiceState.INITIALIZING) {
                return Uni.createFrom().item(status);
            }
            waiter = new CompletableFuture<>();
            waiters.computeIfAbsent(service, s -> new ArrayList<>()).add(waiter);
        }
        Duration left = Duration.between(Instant.now(), deadline);
        return Uni.createFrom().completionStage(waiter)
                .ifNoItem().after(left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left)
                .recoverWithItem(() -> current(service))
                .onTermination().invoke(() -> forget(service, waiter));
    }

    private synchronized void forget(String service, CompletableFuture<ServiceStatus> waiter) {
        List<CompletableFuture<ServiceStatus>> pending = waiters.get(service);
        if (pending != null) {
            pending.remove(waiter);
        }
    }

    private static boolean sameState(ServiceStatus a, ServiceStatus b) {
        return a.status() == b.status() && Objects.equals(a.reason(), b.reason());
    }

    private static ServiceStatus withSince(ServiceStatus status) {
        return status.since() != null ? status
                : new ServiceStatus(status.service(), status.status(), status.reason(), Instant.now(), status.components());
    }
}
