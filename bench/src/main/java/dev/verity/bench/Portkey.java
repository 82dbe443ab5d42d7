package dev.verity.bench;

import dev.verity.local.Endpoints;
import io.vertx.core.MultiMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The Node gateway people would pick instead of Verity: Portkey's open-source gateway
 * ({@code @portkey-ai/gateway}, the version below), installed from npm by {@code bench/run} into
 * the user's cache folder and run with the machine's {@code node}, in front of the same provider
 * stand-in. It is told its target per request, as its clients do: provider {@code openai} at a
 * custom host (the stand-in; loopback hosts are on Portkey's default list of trusted custom hosts).
 */
final class Portkey implements AutoCloseable {

    static final String VERSION = "1.15.2";
    private final Process process;
    private final int port;

    private Portkey(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Where {@code bench/run} installs it (npm {@code --prefix}); the same rule is in that script. */
    static Path installDir() {
        String cache = System.getenv("XDG_CACHE_HOME");
        Path base = cache == null || cache.isBlank() ? Path.of(System.getProperty("user.home"), ".cache") : Path.of(cache);
        return base.resolve("verity/bench/portkey-" + VERSION);
    }

    private static Path server() {
        return installDir().resolve("node_modules/@portkey-ai/gateway/build/start-server.js");
    }

    private static Optional<Path> node() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "node");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Starts Portkey when it and node are installed; empty when they are not. */
    static Optional<Portkey> start(Path work) throws IOException {
        Optional<Path> node = node();
        if (!Files.isRegularFile(server()) || node.isEmpty()) {
            return Optional.empty();
        }
        Path logs = Files.createDirectories(work.resolve("portkey"));
        int port = Endpoints.freePort();
        ProcessBuilder builder = new ProcessBuilder(node.get().toString(), server().toString(), "--port=" + port, "--headless")
                .redirectErrorStream(true).redirectOutput(logs.resolve("stdout.log").toFile());
        // Production mode: no console UI, no development logging per request.
        builder.environment().put("NODE_ENV", "production");
        Process process = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "portkey-reaper"));
        Listening.await(process, port, Duration.ofSeconds(30), "Portkey", logs.resolve("stdout.log"));
        return Optional.of(new Portkey(process, port));
    }

    /** CPU seconds the node process has used so far. */
    double cpuSeconds() {
        return Machine.cpuSeconds(process.pid());
    }

    String completionsUrl() {
        return "http://127.0.0.1:" + port + "/v1/chat/completions";
    }

    /** Portkey's routing headers: the OpenAI provider, at the stand-in's address for {@code model}. */
    static MultiMap target(String providerBaseUrl) {
        return MultiMap.caseInsensitiveMultiMap().add("x-portkey-provider", "openai")
                .add("x-portkey-custom-host", providerBaseUrl);
    }

    @Override
    public void close() {
        process.destroy();
    }
}
