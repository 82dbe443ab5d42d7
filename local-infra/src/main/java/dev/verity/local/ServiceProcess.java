package dev.verity.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Verity service running as a real process from its packaged Quarkus runner
 * ({@code <module>/target/quarkus-app/quarkus-run.jar}), used by the local stack, e2e and
 * cross-service tests. It can be stopped (SIGTERM), killed (SIGKILL) and started again on the
 * same port, and is always destroyed when the JVM that started it exits.
 */
public final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final Path runnerJar;
    private final int port;
    private final Map<String, String> env;
    private final Path logFile;
    private final List<String> jvmArgs;
    private volatile AotCache.Use aot = AotCache.Use.OFF;
    private volatile boolean training;
    private Process process;

    public ServiceProcess(String name, Path runnerJar, int port, Map<String, String> env, Path logFile,
                          List<String> jvmArgs) {
        this.name = name;
        this.runnerJar = runnerJar;
        this.port = port;
        this.env = Map.copyOf(env);
        this.logFile = logFile;
        this.jvmArgs = List.copyOf(jvmArgs);
    }

    /** How the next starts use the service's AOT cache ({@link AotCache}); off unless asked. */
    public ServiceProcess aotCache(AotCache.Use use) {
        this.aot = use;
        return this;
    }

    /** This process is the training run that writes the AOT cache when it exits. */
    public boolean training() {
        return training;
    }

    /** The runner of a module, found from the repository root. */
    public static Path runnerOf(Path repoRoot, String module) {
        return repoRoot.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    }

    /** Walks up from the working directory to the folder that holds {@code mvnw}. */
    public static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("not inside the Verity repository (no mvnw found upwards)");
        }
        return dir;
    }

    public synchronized ServiceProcess start() {
        if (isAlive()) {
            return this;
        }
        if (!Files.exists(runnerJar)) {
            throw new IllegalStateException(name + " is not built: " + runnerJar + " is missing (run ./mvnw package -DskipTests)");
        }
        try {
            Files.createDirectories(logFile.getParent());
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmArgs);
            List<String> aotOptions = AotCache.options(runnerJar, aot);
            command.addAll(aotOptions);
            command.add("-jar");
            command.add(runnerJar.toString());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().putAll(env);
            builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
            process = builder.start();
            Process started = process;
            boolean trains = AotCache.isTraining(aotOptions);
            training = trains;
            if (trains) {
                started.onExit().thenRun(() -> AotCache.trained(runnerJar));
            }
            // A training run writes its cache while it exits: SIGTERM and time for that, not SIGKILL.
            Runtime.getRuntime().addShutdownHook(new Thread(trains ? () -> stopProcess(started, TRAINING_EXIT)
                    : started::destroyForcibly, name + "-reaper"));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    /** Waits until {@code /q/health/ready} answers UP; fails fast if the process died. */
    public ServiceProcess awaitReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + logFile);
            }
            if (isReady()) {
                return this;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
        }
        throw new IllegalStateException(name + " not ready after " + timeout + "; see " + logFile);
    }

    public boolean isReady() {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"UP\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM, then SIGKILL after the grace period (for a training run, after the time its cache takes to write). */
    public synchronized void stop(Duration grace) {
        if (!isAlive()) {
            return;
        }
        stopProcess(process, training && grace.compareTo(TRAINING_EXIT) < 0 ? TRAINING_EXIT : grace);
        awaitExitHandlers();
    }

    /** How long a training run may take to exit: the JVM assembles the AOT cache in a child JVM then. */
    private static final Duration TRAINING_EXIT = Duration.ofMinutes(3);

    private static void stopProcess(Process process, Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** The training run's exit handler (marking the cache fresh) has run once stop returns. */
    private void awaitExitHandlers() {
        if (training) {
            process.onExit().join();
            AotCache.trained(runnerJar);
            training = false;
        }
    }

    /** SIGKILL: the process gets no chance to say goodbye. */
    public synchronized void kill() {
        if (isAlive()) {
            try {
                process.destroyForcibly().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://localhost:" + port;
    }

    public Path logFile() {
        return logFile;
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }
}
