package dev.verity.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.verity.local.ServiceProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM, as Kubernetes sends it, to the packaged data agent while a request is in flight, and to
 * the packaged gateway with open WebSockets.
 *
 * <p>The slow request comes from configuration only: the data agent's reactive PostgreSQL URL points
 * at a socket this test owns that accepts connections and never answers, so {@code GET /v1/status}
 * waits for its PostgreSQL check to time out and then answers 200 with PostgreSQL down (Flyway still
 * migrates through the real JDBC URL at start).
 */
class GracefulShutdownTest {

    /** Own threads: the common pool may have a single worker on a small machine, and both tasks block. */
    /** The gateway's drain budget, set here as in its application.properties; no stop may need all of it. */
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(20);

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private Blackhole blackhole;
    private ServiceProcess service;

    @BeforeEach
    void openBlackhole() throws IOException {
        blackhole = new Blackhole();
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (service != null) {
            service.kill();
        }
        blackhole.close();
        threads.shutdownNow();
    }

    @Test
    void inFlightRequestCompletesAndNewRequestsAreTurnedAwayCleanly() throws Exception {
        service = startDataAgent(Map.of());
        HttpResponse<String> before = http().send(request("/q/health/ready"), HttpResponse.BodyHandlers.ofString());
        assertThat(before.headers().firstValue("connection")).as("keep-alive while running").isEmpty();

        // The status refresh the scheduler runs at start holds its own connection; only then count ours.
        await().atMost(Duration.ofSeconds(10)).until(() -> blackhole.accepted() >= 1);
        int accepted = blackhole.accepted();
        CompletableFuture<String> slow = rawGet("/v1/status");
        await().atMost(Duration.ofSeconds(10)).until(() -> blackhole.accepted() > accepted);
        assertThat(slow).as("the status request waits for PostgreSQL").isNotDone();

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> service.stop(Duration.ofSeconds(30)), threads);

        // While the slow request still runs: readiness says DOWN and every new request is answered at
        // once with Connection: close, so proxies and keep-alive clients move to another pod.
        AtomicReference<HttpResponse<String>> turnedAway = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            boolean inFlight = !slow.isDone();
            HttpResponse<String> probe = quickGet("/q/health/ready");
            if (inFlight && probe != null && probe.headers().firstValue("connection").orElse("").equals("close")) {
                turnedAway.set(probe);
            }
            return turnedAway.get() != null || slow.isDone();
        });
        assertThat(turnedAway.get()).as("a new request was turned away while the slow one ran").isNotNull();
        assertThat(turnedAway.get().statusCode()).isEqualTo(503);
        assertThat(turnedAway.get().body()).contains("\"DOWN\"");

        // A new API request in the drain is refused at once with a problem a client can act on,
        // not run (and cut off when the process ends) and not dropped.
        assertThat(slow).as("still draining the slow request").isNotDone();
        HttpResponse<String> refused = quickGet("/v1/status");
        assertThat(refused).as("the listener still answers during the drain").isNotNull();
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("content-type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
        assertThat(refused.headers().firstValue("connection")).hasValue("close");
        assertThat(refused.body()).contains("\"error_type\":\"service_unavailable\"").contains("\"retryable\":true")
                .contains("\"service\":\"data-agent\"").contains("shutting down");

        String completed = slow.get(20, TimeUnit.SECONDS);
        assertThat(completed).as("the in-flight request completes").startsWith("HTTP/1.1 200 OK")
                .contains("\"service\":\"data-agent\"").contains("PostgreSQL does not answer");

        blackhole.close();
        stopping.get(40, TimeUnit.SECONDS);
        assertThat(service.isAlive()).isFalse();
        assertThat(Files.readString(service.logFile())).as("Quarkus drained a request in flight, then stopped in order")
                .contains("Waiting for HTTP requests to complete").contains("All HTTP requests complete").contains("stopped in");
        assertThat(quickGet("/q/health/live")).as("once stopped, connections are refused at once").isNull();
    }

    @Test
    void readinessGoesDownFirstWhileRequestsAreStillServed() throws Exception {
        // The delay Kubernetes gets (root pom: 5 s) so that endpoints drop the pod before it stops serving.
        service = startDataAgent(Map.of("QUARKUS_SHUTDOWN_DELAY", "4s"));
        assertThat(statusOrNull("/q/health/ready")).isEqualTo(200);

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> service.stop(Duration.ofSeconds(30)), threads);

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> Integer.valueOf(503).equals(statusOrNull("/q/health/ready")));
        HttpResponse<String> readiness = http().send(request("/q/health/ready"), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> liveness = http().send(request("/q/health/live"), HttpResponse.BodyHandlers.ofString());
        assertThat(readiness.body()).contains("\"DOWN\"");
        assertThat(liveness.statusCode()).as("still serving during the shutdown delay (not a restart reason)").isEqualTo(200);
        assertThat(service.isAlive()).isTrue();

        blackhole.close();
        stopping.get(40, TimeUnit.SECONDS);
        assertThat(service.isAlive()).isFalse();
        assertThat(Files.readString(service.logFile())).contains("stopped in");
    }

    @Test
    void theGatewayClosesEveryOpenSocketWithGoingAwayAfterReadinessWentDown() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(PackagedServices.environment());
        // No downstream answers: the gateway is still ready (it can answer, with clean failures).
        for (String client : List.of("LLM_CASCADE", "EXECUTION_AGENT", "DATA_AGENT")) {
            env.put("QUARKUS_REST_CLIENT_" + client + "_URL", "http://127.0.0.1:" + blackhole.port());
        }
        env.put("QUARKUS_SHUTDOWN_DELAY", "2s");
        env.put("QUARKUS_SHUTDOWN_TIMEOUT", SHUTDOWN_TIMEOUT.toSeconds() + "s");
        service = PackagedServices.start(VerityService.GATEWAY, env).awaitReady(Duration.ofSeconds(60));

        String token = dev.verity.local.TestInfra.get().tokens().mint(dev.verity.local.TestUser.of("u-shutdown", "org-shutdown", "mid"));
        // A socket served and closed by its client before the stop: it must not hold up the drain either.
        Closes gone = new Closes();
        openSocket(token, gone).sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        assertThat(gone.code.get(10, TimeUnit.SECONDS)).isEqualTo(java.net.http.WebSocket.NORMAL_CLOSURE);

        Closes first = new Closes();
        Closes second = new Closes();
        for (Closes socket : List.of(first, second)) {
            openSocket(token, socket);
        }

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> service.stop(Duration.ofSeconds(30)), threads);

        // Readiness goes DOWN first; the sockets stay open while the pod still serves its delay.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> Integer.valueOf(503).equals(statusOrNull("/q/health/ready")));
        assertThat(first.code.isDone()).as("still open during the shutdown delay").isFalse();

        // Then every socket gets a close frame: 1001 going away, with a reason, before the process ends.
        assertThat(first.code.get(20, TimeUnit.SECONDS)).isEqualTo(1001);
        assertThat(second.code.get(20, TimeUnit.SECONDS)).isEqualTo(1001);
        assertThat(first.reason.get()).contains("shutting down").contains("resume");
        // Once its sockets are closed the drain has nothing left to wait for: the process ends before the
        // shutdown timeout runs out, and Quarkus does not report a drain that timed out.
        stopping.get(SHUTDOWN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(service.isAlive()).isFalse();
        assertThat(Files.readString(service.logFile())).contains("closing 2 sockets: going away").contains("stopped in")
                .doesNotContain("Timed out waiting for graceful shutdown");
    }

    private java.net.http.WebSocket openSocket(String token, Closes listener) throws Exception {
        return HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", "Bearer " + token)
                .buildAsync(URI.create("ws://localhost:" + service.port() + "/ws/v1/events"), listener)
                .get(10, TimeUnit.SECONDS);
    }

    /** A WebSocket client that records the close frame it receives. */
    static final class Closes implements java.net.http.WebSocket.Listener {
        final CompletableFuture<Integer> code = new CompletableFuture<>();
        final AtomicReference<String> reason = new AtomicReference<>();

        @Override
        public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket socket, int statusCode, String why) {
            reason.set(why);
            code.complete(statusCode);
            return null;
        }

        @Override
        public void onError(java.net.http.WebSocket socket, Throwable error) {
            code.completeExceptionally(error);
        }
    }

    private ServiceProcess startDataAgent(Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>(PackagedServices.environment());
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://127.0.0.1:" + blackhole.port() + "/" + PackagedServices.DATABASE);
        // Only requests touch PostgreSQL after the first scheduled check, so the test knows whose connection it sees.
        env.put("VERITY_STATUS_REFRESH_INTERVAL", "1h");
        env.putAll(extra);
        ServiceProcess started = PackagedServices.start(VerityService.DATA_AGENT, env);
        return started.awaitReady(Duration.ofSeconds(60));
    }

    /** The whole HTTP/1.1 exchange on a plain socket, as curl would do it: status line, headers, body. */
    private CompletableFuture<String> rawGet(String path) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), service.port())) {
                socket.setSoTimeout(30_000);
                socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, threads);
    }

    /** A request on a fresh connection with a short timeout; null when nothing answers. */
    private HttpResponse<String> quickGet(String path) {
        try {
            return http().send(HttpRequest.newBuilder(URI.create(service.url() + path)).timeout(Duration.ofSeconds(1)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private Integer statusOrNull(String path) {
        try {
            return http().send(request(path), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create(service.url() + path)).timeout(Duration.ofSeconds(20)).GET().build();
    }

    /** A fresh client (and so a fresh connection) per use: a refused request must not ride a drained one. */
    private static HttpClient http() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    }

    /** Accepts TCP connections and never says a word: a database that hangs. */
    static final class Blackhole implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> held = new CopyOnWriteArrayList<>();
        private final AtomicInteger accepted = new AtomicInteger();

        Blackhole() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        held.add(server.accept());
                        accepted.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "blackhole-postgres");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            if (server.isClosed()) {
                return;
            }
            server.close();
            for (Socket socket : held) {
                socket.close();
            }
        }
    }
}
