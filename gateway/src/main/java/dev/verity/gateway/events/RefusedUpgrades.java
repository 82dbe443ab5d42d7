package dev.verity.gateway.events;

import io.quarkus.logging.Log;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * A refused upgrade of {@code /ws/v1/events} is answered (401) by websockets-next itself; the
 * failure then travels on to the REST layer's problem mapping, which finds the response written
 * and logs an error for every bad token. The refusal is complete: stop it here.
 */
@ApplicationScoped
public class RefusedUpgrades {

    void register(@Observes Router router) {
        router.route(EventSocket.PATH).order(Integer.MIN_VALUE).failureHandler(ctx -> {
            if (ctx.response().headWritten()) {
                Log.debugf("upgrade of %s refused with %d", EventSocket.PATH, ctx.response().getStatusCode());
                return;
            }
            ctx.next();
        });
    }
}
