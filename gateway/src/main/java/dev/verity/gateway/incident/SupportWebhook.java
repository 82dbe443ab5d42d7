package dev.verity.gateway.incident;

import dev.verity.gateway.config.TierHandlingConfig;
import io.quarkus.logging.Log;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Delivers incident notices to the configured support webhook, in the background with retries
 * and backoff: no user's answer waits for it, and a receiver that is down only delays the notice.
 * Each delivery is recorded on the incident (attempts, failures, when it got through); a notice
 * whose retries all failed is sent again by a later sweep ({@link Incidents#sweep()}).
 */
@ApplicationScoped
public class SupportWebhook {

    private final Optional<SupportWebhookApi> api;
    private final IncidentStore store;
    private final TierHandlingConfig config;

    public SupportWebhook(TierHandlingConfig config, IncidentStore store) {
        this.config = config;
        this.store = store;
        this.api = config.webhookUrl().map(url -> QuarkusRestClientBuilder.newBuilder()
                .baseUri(url)
                .connectTimeout(config.webhookTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(config.webhookTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .property("microprofile.rest.client.disable.default.mapper", true)
                .build(SupportWebhookApi.class));
    }

    public boolean configured() {
        return api.isPresent();
    }

    /** Starts delivery and returns at once. */
    public void send(Incident incident, Notice notice) {
        String what = notice.wire() + " notice of incident " + incident.id() + " (" + incident.key().dedupKey() + ")";
        if (api.isEmpty()) {
            Log.infof("%s recorded; no support webhook configured", what);
            return;
        }
        WebhookEvent event = WebhookEvent.of(incident, notice);
        AtomicInteger attempts = new AtomicInteger();
        Uni.createFrom().deferred(() -> {
                    attempts.incrementAndGet();
                    return api.get().deliver(event);
                })
                .invoke(response -> {
                    if (response.getStatus() >= 300) {
                        throw new WebApplicationException("support webhook answered " + response.getStatus(), response.getStatus());
                    }
                })
                .ifNoItem().after(config.webhookTimeout()).fail()
                .onFailure().invoke(e -> Log.warnf("support webhook attempt %d for the %s failed: %s", attempts.get(), what,
                        e.getMessage()))
                .onFailure().retry().withBackOff(config.webhookBackoff(), config.webhookBackoff().multipliedBy(8))
                .atMost(config.webhookRetries())
                .subscribe().with(
                        response -> {
                            Log.infof("%s delivered to support after %d attempt(s)", what, attempts.get());
                            record(incident, notice, attempts.get(), true);
                        },
                        failure -> {
                            Log.errorf("%s NOT delivered to support after %d attempts; a later sweep sends it again",
                                    what, attempts.get());
                            record(incident, notice, attempts.get(), false);
                        });
    }

    private void record(Incident incident, Notice notice, int attempts, boolean delivered) {
        store.recordDelivery(incident.id(), notice, attempts, delivered, Instant.now()).subscribe().with(
                done -> { },
                e -> Log.warnf("could not record the delivery of incident %s: %s", incident.id(), e.getMessage()));
    }
}
