package dev.verity.gateway.admission;

import dev.verity.gateway.routing.Route;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Admission as operators watch it: {@code verity_gateway_admission_queued{route}} (requests and
 * streams waiting for a slot), {@code verity_gateway_admission_in_flight{route}} (requests forwarded,
 * not yet answered) and {@code verity_gateway_admission_streams_open{route}} (streams under way).
 * Read on scrape from the gates themselves, so they cannot drift from what admission decides.
 */
@Startup
@ApplicationScoped
public class AdmissionGauges {

    public AdmissionGauges(AdmissionControl admission, MeterRegistry registry) {
        for (Route route : Route.values()) {
            Gauge.builder("verity.gateway.admission.queued", admission, a -> a.queued(route))
                    .description("Requests waiting for admission").tag("route", route.configName()).register(registry);
            Gauge.builder("verity.gateway.admission.in_flight", admission, a -> a.inFlight(route))
                    .description("Requests admitted and not yet answered").tag("route", route.configName())
                    .register(registry);
            Gauge.builder("verity.gateway.admission.streams_open", admission, a -> a.streamsOpen(route))
                    .description("Streamed answers admitted and not yet ended").tag("route", route.configName())
                    .register(registry);
        }
    }
}
