package dev.verity.gateway.status;

import dev.verity.contract.ServiceState;
import dev.verity.contract.ServiceStatus;
import dev.verity.contract.Services;
import dev.verity.runtime.status.StatusReporter;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The union of the gateway's own status and what it knows of the other services. */
@ApplicationScoped
public class StatusBoard {

    private final StatusReporter own;
    private final ServiceDirectory directory;
    private final StatusSubscriber subscriber;

    public StatusBoard(StatusReporter own, ServiceDirectory directory, StatusSubscriber subscriber) {
        this.own = own;
        this.directory = directory;
        this.subscriber = subscriber;
    }

    public CombinedStatus combined() {
        Map<String, ServiceStatus> services = new LinkedHashMap<>();
        services.put(Services.GATEWAY, own.current());
        services.putAll(directory.all());
        return new CombinedStatus(overall(services), Instant.now(),
                subscriber.isSubscribed() ? "pushed over Redis and polled" : "polled only (Redis unreachable)", services);
    }

    private static ServiceState overall(Map<String, ServiceStatus> services) {
        boolean allReady = services.values().stream().allMatch(s -> s.status() == ServiceState.READY);
        if (allReady) {
            return ServiceState.READY;
        }
        boolean noneAnswering = services.entrySet().stream()
                .filter(e -> !e.getKey().equals(Services.GATEWAY))
                .allMatch(e -> e.getValue().status() == ServiceState.UNAVAILABLE);
        if (noneAnswering) {
            return ServiceState.UNAVAILABLE;
        }
        boolean starting = services.values().stream().anyMatch(s -> s.status() == ServiceState.INITIALIZING)
                && services.values().stream().noneMatch(s -> s.status() == ServiceState.UNAVAILABLE || s.status() == ServiceState.DEGRADED);
        return starting ? ServiceState.INITIALIZING : ServiceState.DEGRADED;
    }
}
