package dev.verity.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.vertx.http.runtime.filters.QuarkusRequestWrapper;
import io.vertx.core.net.impl.ConnectionBase;
import org.junit.jupiter.api.Test;

/**
 * The one place the gateway reaches into Quarkus and Vert.x internals ({@link UpgradeDrain}). When an
 * upgrade of either changes them, this fails at build time instead of every stop after a served socket
 * quietly waiting out {@code quarkus.shutdown.timeout} again.
 */
class UpgradeDrainTest {

    @Test
    void quarkusRequestWrapperStillHasItsPackagePrivateDone() {
        assertThat(UpgradeDrain.reachesQuarkus())
                .as("QuarkusRequestWrapper.done() (package-private, called reflectively by UpgradeDrain)")
                .isTrue();
    }

    @Test
    void vertxConnectionsStillExposeACloseFuture() throws NoSuchMethodException {
        assertThat(ConnectionBase.class.getMethod("closeFuture")).isNotNull();
        assertThat(QuarkusRequestWrapper.class.getMethod("get", io.vertx.core.http.HttpServerRequest.class)).isNotNull();
    }
}
