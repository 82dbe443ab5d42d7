package dev.verity.gateway.events;

import io.quarkus.logging.Log;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.vertx.http.runtime.filters.QuarkusRequestWrapper;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Lets Quarkus' graceful shutdown see a WebSocket upgrade as finished once its socket's connection
 * has closed. Without this, every gateway that ever served a socket waits out the whole
 * {@code quarkus.shutdown.timeout} on stop and logs "Timed out waiting for graceful shutdown".
 *
 * <p>Why (Quarkus 3.33.2, Vert.x 4.5.27): {@code GracefulShutdownFilter} counts each request until its
 * {@code QuarkusRequestWrapper} calls {@code done()}, which only the Vert.x response's end, close or
 * exception handler triggers. An upgrade fires none of them: {@code Http1xServerResponse.completeHandshake()}
 * marks the response written and complete on the connection without ending it, and when the connection
 * later closes, {@code Http1xServerConnection.handleClosed()} tells only the WebSocket. Quarkus has no
 * setting or public call to finish a request, and {@code done()} is package-private, so it is called here
 * reflectively. {@code done()} runs at most once, so an upgrade refused with an ordinary response is
 * finished by Quarkus itself and the later call changes nothing.
 *
 * <p>The connection's close future (several listeners, unlike {@code HttpConnection.closeHandler}, which
 * Quarkus uses to count connections) is the signal: the request lasts as long as its socket, so the drain
 * still waits for sockets that {@link GoingAway} is closing, and no longer than that.
 */
@ApplicationScoped
@RegisterForReflection(targets = QuarkusRequestWrapper.class, fields = false)
public class UpgradeDrain {

    private static final Method DONE = doneMethod();

    void register(@Observes Router router) {
        if (DONE == null) {
            return;
        }
        router.route(EventSocket.PATH).order(Integer.MIN_VALUE).handler(ctx -> {
            HttpServerRequest request = ctx.request();
            if (isUpgrade(request) && request.connection() instanceof ConnectionBase connection) {
                QuarkusRequestWrapper wrapper = QuarkusRequestWrapper.get(request);
                connection.closeFuture().onComplete(closed -> finish(wrapper));
            }
            ctx.next();
        });
    }

    /** Whether this Quarkus still has the package-private call the drain needs (its test fails loudly when not). */
    static boolean reachesQuarkus() {
        return DONE != null;
    }

    private static boolean isUpgrade(HttpServerRequest request) {
        return "websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE));
    }

    private static void finish(QuarkusRequestWrapper wrapper) {
        try {
            DONE.invoke(wrapper);
        } catch (IllegalAccessException | InvocationTargetException e) {
            Log.warnf("a closed socket's upgrade request could not be marked finished for the shutdown drain: %s", e);
        }
    }

    private static Method doneMethod() {
        try {
            Method done = QuarkusRequestWrapper.class.getDeclaredMethod("done");
            done.setAccessible(true);
            return done;
        } catch (ReflectiveOperationException | RuntimeException e) {
            // A Quarkus upgrade changed the wrapper: shutdowns after sockets then wait out their timeout again
            // (GracefulShutdownTest shows it); everything else works as before.
            Log.warnf("QuarkusRequestWrapper.done() not reachable (%s): a stop after served sockets waits out quarkus.shutdown.timeout", e);
            return null;
        }
    }
}
