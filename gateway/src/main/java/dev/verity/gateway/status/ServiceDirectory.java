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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the gateway knows about each internal service right now, fed by Redis pushes,
 * periodic polls and failed calls. Requests that need a starting service wait here for it.
 */
@ApplicationScoped
public class ServiceDirectory {

    public static final List<String> DOWNSTREAM = List.of(Services.LLM_CASCADE, Services.EXECUTION_AGENT, Services.DATA_AGENT);

    private final GatewayEvents events;
    // Read by every request on every event loop, written by status changes: reads take no lock.
    private final Map<String, ServiceStatus> statuses = new ConcurrentHashMap<>();
    /** When each service last answered a forwarded request (System.nanoTime), whatever the answer said. */
    private final Map<String, AtomicLong> lastAnswered = new ConcurrentHashMap<>();
    private final Map<String, List<CompletableFuture<ServiceStatus>>> waiters = new HashMap<>();

    public ServiceDirectory(GatewayEvents events) {
        this.events = events;
        Instant now = Instant.now();
        for (String service : DOWNSTREAM) {
            statuses.put(service, new ServiceStatus(service, ServiceState.INITIALIZING, "not checked yet", now, Map.of()));
            lastAnswered.put(service, new AtomicLong(System.nanoTime() - Long.MAX_VALUE / 2));
        }
    }

    public ServiceStatus current(String service) {
        ServiceStatus status = statuses.get(service);
        if (status == null) {
            throw new IllegalArgumentException("unknown service " + service);
        }
        return status;
    }

    public synchronized Map<String, ServiceStatus> all() {
        Map<String, ServiceStatus> all = new LinkedHashMap<>();
        DOWNSTREAM.forEach(service -> all.put(service, statuses.get(service)));
        return all;
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

    /**
     * The service answered a forwarded request with an HTTP response (any status: a problem is an
     * answer too). Evidence that it is alive, which a late status check does not outweigh.
     */
    public void answered(String service) {
        AtomicLong last = lastAnswered.get(service);
        if (last != null) {
            last.set(System.nanoTime());
        }
    }

    /** Whether the service answered a forwarded request at or after {@code nanoTime} (System.nanoTime). */
    public boolean answeredSince(String service, long nanoTime) {
        AtomicLong last = lastAnswered.get(service);
        return last != null && last.get() - nanoTime >= 0;
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
        ServiceStatus known = current(service);
        if (known.status() != ServiceState.INITIALIZING) {
            return Uni.createFrom().item(known);
        }
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
