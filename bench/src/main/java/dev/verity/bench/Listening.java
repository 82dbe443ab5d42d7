package dev.verity.bench;

import dev.verity.local.Endpoints;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** Waits for a baseline process (nginx, Portkey) to accept connections on its port, or gives up on it. */
final class Listening {

    private Listening() {
    }

    static void await(Process process, int port, Duration timeout, String name, Path logs) {
        Instant deadline = Instant.now().plus(timeout);
        while (!Endpoints.answers("127.0.0.1", port, 200)) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                process.destroyForcibly();
                throw new IllegalStateException(name + " did not start; see " + logs);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting " + name, e);
            }
        }
    }
}
