package dev.verity.gateway.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ConnectTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Late is not gone: only a refused, reset or closed connection says a service is not there. */
class TimeoutsTest {

    @Test
    void lateAnswersAndLateConnectsAreTimeouts() {
        assertThat(Timeouts.isTimeout(new TimeoutException())).isTrue();
        assertThat(Timeouts.isTimeout(new io.smallrye.mutiny.TimeoutException())).isTrue();
        assertThat(Timeouts.isTimeout(new ConnectTimeoutException("connection timed out after 2000 ms"))).isTrue();
        assertThat(Timeouts.isTimeout(new CompletionException(new ConnectTimeoutException("late")))).isTrue();
    }

    @Test
    void refusedResetAndClosedConnectionsAreNot() {
        assertThat(Timeouts.isTimeout(new ConnectException("Connection refused"))).isFalse();
        assertThat(Timeouts.isTimeout(new IOException("Connection reset by peer"))).isFalse();
        assertThat(Timeouts.isTimeout(new io.vertx.core.http.HttpClosedException("Connection was closed"))).isFalse();
        assertThat(Timeouts.isTimeout(new CompletionException(new ConnectException("Connection refused")))).isFalse();
    }
}
