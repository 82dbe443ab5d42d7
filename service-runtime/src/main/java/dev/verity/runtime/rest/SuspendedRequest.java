package dev.verity.runtime.rest;

import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.spi.ServerRequestContext;

/**
 * The one place that reaches past Quarkus REST's public SPI: an asynchronous body writer must keep
 * the request open while it writes, and {@link ServerRequestContext} offers no suspend/resume, so
 * the context is used as the {@link ResteasyReactiveRequestContext} it is. {@code SuspendedRequestTest}
 * fails when a Quarkus upgrade changes that.
 */
final class SuspendedRequest {

    private final ResteasyReactiveRequestContext request;

    private SuspendedRequest(ResteasyReactiveRequestContext request) {
        this.request = request;
    }

    /** Suspends the request: the handler chain waits until {@link #resume()}. */
    static SuspendedRequest suspend(ServerRequestContext context) {
        if (!(context instanceof ResteasyReactiveRequestContext request)) {
            throw new IllegalStateException("Quarkus REST's request context is no longer a ResteasyReactiveRequestContext ("
                    + context.getClass().getName() + "): the event stream writer cannot suspend the request");
        }
        request.suspend();
        return new SuspendedRequest(request);
    }

    void resume() {
        request.resume();
    }
}
