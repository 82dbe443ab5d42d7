package dev.verity.bench;

import dev.verity.local.AotCache;
import dev.verity.local.PackagedStack;
import dev.verity.local.ServiceProcess;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Locale;

/**
 * The training run of the services' AOT caches ({@link AotCache}), when the stack was started
 * without fresh ones: real traffic on the paths the bench measures — OpenAI completions plain and
 * streamed, agent runs over {@code /api/v1/chat} with a socket open, the status poll that runs
 * anyway — then every service stopped (each JVM writes its cache as it exits) and started again
 * on its cache. Reused while the jars and the JVM stay the same.
 */
final class AotTraining {

    private static final Buffer RUN = Buffer.buffer("{\"message\":\"How fast were my calls today?\"}");
    private static final Buffer STREAM = Buffer.buffer("{\"model\":\"" + BenchStack.PACED + "\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"How fast were my calls today?\"}]}");

    private AotTraining() {
    }

    /** Trains when any service is a training run; returns what it did, for the report's notes ("" when nothing). */
    static String trainIfNeeded(BenchRun run) throws Exception {
        if (PackagedStack.MODULES.stream().noneMatch(module -> run.stack.service(module).training())) {
            return "";
        }
        Bench.log("training the AOT caches");
        long started = System.nanoTime();
        Duration each = run.profile.isSmoke() ? Duration.ofSeconds(2) : Duration.ofSeconds(20);
        int rate = run.profile.isSmoke() ? 10 : 200;
        OpenLoad.run("training", rate, each, run.completions(run.gatewayCompletions(), true));
        long[] next = {0};
        OpenLoad.run("training", rate / 4.0, each,
                () -> run.http.stream(run.gatewayCompletions(), run.token(next[0]++), STREAM).map(Http.StreamTiming::complete));
        try (Sockets sockets = new Sockets(run.vertx, run.stack.gateway())) {
            sockets.openUpTo(10, run::token, 10);
            String chat = run.stack.gateway() + "/api/v1/chat";
            OpenLoad.run("training", rate / 4.0, each,
                    () -> run.http.post(chat, run.token(next[0]++ % 10), RUN).map(reply -> reply.status() == 200));
        }
        long stopping = System.nanoTime();
        for (String module : PackagedStack.MODULES.reversed()) {
            run.stack.service(module).stop(Duration.ofMinutes(3));
        }
        long written = System.nanoTime();
        StringBuilder sizes = new StringBuilder();
        for (String module : PackagedStack.MODULES) {
            ServiceProcess service = run.stack.service(module);
            service.start();
            var file = AotCache.file(dev.verity.local.ServiceProcess.runnerOf(dev.verity.local.ServiceProcess.repoRoot(), module));
            sizes.append(String.format(Locale.ROOT, "%s%s %.0f MB", sizes.isEmpty() ? "" : ", ", module,
                    Files.isRegularFile(file) ? Files.size(file) / 1e6 : 0.0));
        }
        for (String module : PackagedStack.MODULES) {
            run.stack.service(module).awaitReady(Duration.ofMinutes(2));
        }
        Bench.awaitServing(run);
        return String.format(Locale.ROOT, "AOT caches trained in this run: %.0f s of traffic, %.0f s for the four JVMs to "
                + "write their caches on exit (load %s); sizes: %s", (stopping - started) / 1e9, (written - stopping) / 1e9,
                Machine.loadAverages(), sizes);
    }
}
