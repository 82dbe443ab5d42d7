package dev.verity.gateway.incident;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The support system's receiver; its URL is configuration, so the client is built at start. */
interface SupportWebhookApi {

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    Uni<Response> deliver(WebhookEvent event);
}
