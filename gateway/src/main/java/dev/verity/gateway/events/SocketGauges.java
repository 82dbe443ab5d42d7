package dev.verity.gateway.events;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/** {@code verity_gateway_sockets_open}: event sockets open on this replica, read on scrape. */
@Startup
@ApplicationScoped
public class SocketGauges {

    public SocketGauges(Subscribers subscribers, MeterRegistry registry) {
        Gauge.builder("verity.gateway.sockets.open", subscribers,
                        s -> s.all().stream().filter(Subscriber::isOpen).count())
                .description("Event sockets open on this replica").register(registry);
    }
}
