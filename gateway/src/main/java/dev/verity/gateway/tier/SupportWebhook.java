package dev.verity.gateway.tier;

import dev.verity.gateway.config.TierHandlingConfig;
import io.quarkus.logging.Log;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Delivers enterprise escalations to the configured support webhook, in the background with
 * retries and backoff: the user's answer never waits for it, and a receiver that is down only
 * delays the notification.
 */
@ApplicationScoped
public class SupportWebhook {

    private final Optional<SupportWebhookApi> api;
    private final SupportTickets tickets;
    private final TierHandlingConfig config;

    public SupportWebhook(TierHandlingConfig config, SupportTickets tickets) {
        this.config = config;
        this.tickets = tickets;
        this.api = config.webhookUrl().map(url -> QuarkusRestClientBuilder.newBuilder()
                .baseUri(url)
                .connectTimeout(config.webhookTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(config.webhookTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .property("microprofile.rest.client.disable.default.mapper", true)
                .build(SupportWebhookApi.class));
    }

    /** Starts delivery and returns at once. */
    public void notifyInBackground(SupportTicket ticket, boolean stored) {
        if (api.isEmpty()) {
            Log.infof("escalation %s recorded; no support webhook configured", ticket.escalationReference());
            return;
        }
        AtomicInteger attempts = new AtomicInteger();
        Uni.createFrom().deferred(() -> {
                    attempts.incrementAndGet();
                    return api.get().deliver(ticket);
                })
                .invoke(response -> {
                    if (response.getStatus() >= 300) {
                        throw new WebApplicationException("support webhook answered " + response.getStatus(), response.getStatus());
                    }
                })
                .ifNoItem().after(config.webhookTimeout()).fail()
                .onFailure().invoke(e -> Log.warnf("support webhook attempt %d for %s failed: %s", attempts.get(),
                        ticket.escalationReference(), e.getMessage()))
                .onFailure().retry().withBackOff(config.webhookBackoff(), config.webhookBackoff().multipliedBy(8))
                .atMost(config.webhookRetries())
                .subscribe().with(
                        response -> {
                            Log.infof("escalation %s delivered to support after %d attempt(s)", ticket.escalationReference(), attempts.get());
                            record(ticket, attempts.get(), true, stored);
                        },
                        failure -> {
                            Log.errorf("escalation %s NOT delivered to support after %d attempts; ticket %s stays open in the database",
                                    ticket.escalationReference(), attempts.get(), ticket.id());
                            record(ticket, attempts.get(), false, stored);
                        });
    }

    private void record(SupportTicket ticket, int attempts, boolean delivered, boolean stored) {
        if (!stored) {
            return;
        }
        tickets.recordDelivery(ticket.id(), attempts, delivered).subscribe().with(
                done -> { },
                e -> Log.warnf("could not record delivery of %s: %s", ticket.escalationReference(), e.getMessage()));
    }
}
