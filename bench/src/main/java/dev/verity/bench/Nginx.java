package dev.verity.bench;

import dev.verity.local.Endpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One nginx reverse-proxy hop in front of the provider stand-in (Debian's nginx, its own
 * configuration and prefix under the bench's work folder): the baseline "what does any proxy
 * cost". Keep-alive upstream connections, one worker, no access log — the usual tuned setup.
 */
final class Nginx implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/sbin/nginx");
    private final Process process;
    private final int port;

    private Nginx(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts nginx when it is installed; empty when it is not. */
    static Optional<Nginx> start(Path work, int upstreamPort) throws IOException {
        if (!Files.isExecutable(BINARY)) {
            return Optional.empty();
        }
        Path prefix = Files.createDirectories(work.resolve("nginx"));
        Files.createDirectories(prefix.resolve("logs"));
        int port = Endpoints.freePort();
        boolean root = "root".equals(System.getProperty("user.name"));
        String conf = """
                %s
                worker_processes 1;
                error_log %s/logs/error.log warn;
                pid %s/nginx.pid;
                events { worker_connections 16384; }
                http {
                  access_log off;
                  client_body_temp_path %s/client_body;
                  proxy_temp_path %s/proxy;
                  fastcgi_temp_path %s/fastcgi;
                  uwsgi_temp_path %s/uwsgi;
                  scgi_temp_path %s/scgi;
                  upstream provider { server 127.0.0.1:%d; keepalive 512; }
                  server {
                    listen 127.0.0.1:%d;
                    keepalive_requests 1000000;
                    location / {
                      proxy_pass http://provider;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_buffering off;
                    }
                  }
                }
                """.formatted(root ? "user root;" : "", prefix, prefix, prefix, prefix, prefix, prefix, prefix,
                upstreamPort, port);
        Path confFile = prefix.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        Process process = new ProcessBuilder(BINARY.toString(), "-p", prefix.toString(), "-c", confFile.toString(),
                "-g", "daemon off;")
                .redirectErrorStream(true).redirectOutput(prefix.resolve("logs/stdout.log").toFile()).start();
        // SIGTERM, not SIGKILL: the master then stops its worker too instead of leaving it orphaned.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "nginx-reaper"));
        Listening.await(process, port, Duration.ofSeconds(10), "nginx", prefix.resolve("logs"));
        return Optional.of(new Nginx(process, port));
    }

    /** CPU seconds nginx (master and worker) has used so far. */
    double cpuSeconds() {
        return Machine.cpuSeconds(process.pid());
    }

    String baseUrl(String model) {
        return "http://127.0.0.1:" + port + "/" + model + "/v1";
    }

    @Override
    public void close() {
        process.destroy();
    }
}
