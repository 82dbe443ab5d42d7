package dev.verity.runtime.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Modifier;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.spi.ServerRequestContext;
import org.junit.jupiter.api.Test;

/**
 * Fails when a Quarkus upgrade changes what {@link SuspendedRequest} relies on beyond the public
 * SPI: that the request context Quarkus REST hands a body writer is a
 * {@link ResteasyReactiveRequestContext} with public {@code suspend()} and {@code resume()}. The
 * services' streaming tests then show the effect end to end.
 */
class SuspendedRequestTest {

    @Test
    void quarkusRestsRequestContextIsStillTheSpisContextWithPublicSuspendAndResume() throws Exception {
        assertThat(ServerRequestContext.class).isAssignableFrom(ResteasyReactiveRequestContext.class);
        assertThat(Modifier.isPublic(ResteasyReactiveRequestContext.class.getMethod("suspend").getModifiers())).isTrue();
        assertThat(Modifier.isPublic(ResteasyReactiveRequestContext.class.getMethod("resume").getModifiers())).isTrue();
    }

    @Test
    void anotherContextIsRefusedLoudlyRatherThanWrittenWithoutSuspending() {
        ServerRequestContext foreign = (ServerRequestContext) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {ServerRequestContext.class}, (proxy, method, args) -> null);

        assertThatThrownBy(() -> SuspendedRequest.suspend(foreign))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no longer a ResteasyReactiveRequestContext");
    }
}
