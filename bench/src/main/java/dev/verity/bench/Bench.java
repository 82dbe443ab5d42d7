package dev.verity.bench;

import dev.verity.local.AotCache;
import dev.verity.local.PackagedStack;
import dev.verity.local.ServiceProcess;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code ./verity bench [--smoke] [--only P1,P6] [--reps N] [--rates 500,1000] [--out DIR] [--jfr] [--no-aot] [--env KEY=VALUE]...}: starts the provider stand-in,
 * nginx in front of it and the whole stack, runs the scenarios in an order where none disturbs
 * the next (P8's streams after the other load, P7's few sockets before P5's thousands, which can exhaust the gateway's heap; the
 * fresh stack of P9, the service restarts of P6 and the open breaker of P4 last), and writes
 * {@code latest.md}, {@code p1-latency.png} and the raw histograms.
 */
public final class Bench {

    private static final List<Scenario> SCENARIOS = List.of(new OpenAiLatency(), new MaxRate(), new AgentRuns(),
            new Streams(), new ServiceLoss(), new SocketFanout(), new WarmUp(), new Startup(), new DeadProvider(), new ReceiptCost());

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> list = Arrays.asList(args);
        boolean smoke = list.contains("--smoke");
        Path root = ServiceProcess.repoRoot();
        Path out = option(list, "--out").map(Path::of)
                .orElse(root.resolve(smoke ? "bench/target/smoke-results" : "bench/results"));
        Set<String> only = option(list, "--only").map(value -> Set.of(value.toUpperCase().split(","))).orElse(Set.of());
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < list.size() - 1; i++) {
            if (list.get(i).equals("--env")) {
                String[] pair = list.get(i + 1).split("=", 2);
                env.put(pair[0], pair[1]);
            }
        }
        // The services' AOT caches: used when fresh, otherwise trained first (AotTraining); --no-aot runs without.
        AotCache.Use aot = list.contains("--no-aot") ? AotCache.Use.OFF : AotCache.Use.USE_OR_TRAIN;
        Profile profile = smoke ? Profile.smoke() : Profile.full();
        // --reps N and --rates 500,1000: a shorter P1 for a profiling run (the report's header says which).
        profile = profile.narrowed(option(list, "--reps").map(Integer::parseInt).orElse(profile.repetitions()),
                option(list, "--rates").map(value -> Arrays.stream(value.split(",")).map(Integer::parseInt).toList())
                        .orElse(profile.p1Rates()));
        // --streams N: P8 at N concurrent streams (1 shows a stream's own path cost, without queueing).
        profile = profile.withStreams(option(list, "--streams").map(Integer::parseInt).orElse(profile.p8Streams()));
        Path report = run(profile, out, only, list.contains("--jfr"), env, aot);
        System.out.println("bench: wrote " + report);
        System.exit(0);
    }

    private static Optional<String> option(List<String> args, String name) {
        int index = args.indexOf(name);
        return index >= 0 && index + 1 < args.size() ? Optional.of(args.get(index + 1)) : Optional.empty();
    }

    /**
     * Runs the profile's scenarios ({@code only} empty: all of them) and returns latest.md; with
     * {@code jfr} every service records a JFR profile into raw/jfr/&lt;pid&gt;.jfr.
     */
    static Path run(Profile profile, Path out, Set<String> only, boolean jfr, Map<String, String> env, AotCache.Use aot)
            throws Exception {
        System.setProperty("java.awt.headless", "true");
        Instant started = Instant.now();
        String machine = Machine.describe();
        String loadAtStart = Machine.loadAverages();
        Path work = Files.createDirectories(ServiceProcess.repoRoot().resolve("bench/target/work"));
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        List<String> notes = new ArrayList<>();
        try (ProviderStandIn provider = new ProviderStandIn(vertx, profile.providerLatencyMs(), profile.p8Pacing())) {
            Optional<Nginx> nginx = Nginx.start(work, provider.port());
            if (nginx.isEmpty()) {
                notes.add("nginx is not installed: the nginx baseline is not measured (`./verity bench` installs it)");
            }
            Optional<Portkey> portkey = Portkey.start(work);
            if (portkey.isEmpty()) {
                notes.add("Portkey " + Portkey.VERSION + " is not installed (or node is missing): the Portkey baseline is not "
                        + "measured (`./verity bench` installs it from npm)");
            }
            log("starting the stack");
            List<String> profiling = jfr ? List.of("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
                    + Files.createDirectories(out.resolve("raw/jfr")) + "/%p.jfr") : List.of();
            if (jfr) {
                notes.add("services ran with JFR recording (settings=profile): figures include its small overhead");
            }
            env.forEach((key, value) -> notes.add("experiment: the services ran with " + key + "=" + value));
            try (BenchStack stack = new BenchStack(work, provider, profiling, env, aot)) {
                BenchRun run = new BenchRun(profile, vertx, provider, nginx, portkey, stack, out.resolve("raw"));
                awaitServing(run);
                String training = AotTraining.trainIfNeeded(run);
                if (!training.isEmpty()) {
                    notes.add(training);
                }
                notes.add(AotCache.supported() && aot != AotCache.Use.OFF && PackagedStack.MODULES.stream().allMatch(
                        module -> AotCache.fresh(ServiceProcess.runnerOf(ServiceProcess.repoRoot(), module)))
                        ? "the services ran on their JDK AOT caches (-XX:AOTCache; P6 and P9 also measure without)"
                        : "the services ran without JDK AOT caches (" + (aot == AotCache.Use.OFF ? "--no-aot"
                        : "JDK " + Runtime.version().feature() + ", caches need 25+, or none fresh") + ")");
                for (String module : PackagedStack.MODULES) {
                    run.rssIdle.put(module, Machine.rssMb(stack.service(module).pid()));
                }
                awaitServing(run);
                for (Scenario scenario : SCENARIOS) {
                    if (!only.isEmpty() && !only.contains(scenario.id())) {
                        continue;
                    }
                    log("running " + scenario.id());
                    try {
                        scenario.run(run);
                    } catch (Exception | AssertionError e) {
                        run.rows.add(Row.notMeasured(scenario.id(), "—", "failed: " + e.getMessage()));
                        notes.add(scenario.id() + " failed: " + e);
                        e.printStackTrace();
                    }
                }
                if (!run.p1Curves.isEmpty()) {
                    Plot.p1(out, run.p1Curves);
                }
                if (!run.warmUpCurves.isEmpty()) {
                    Plot.warmUp(out, WarmUp.points(run.warmUpCurves));
                }
                return Report.write(out, profile, machine + "; load average (1/5/15 min) " + loadAtStart + " at the start, "
                        + Machine.loadAverages() + " at the end", started, Duration.between(started, Instant.now()), run.rows, notes);
            } finally {
                nginx.ifPresent(Nginx::close);
                portkey.ifPresent(Portkey::close);
            }
        } finally {
            Await.result(vertx.close(), 30);
        }
    }

    /** The gateway answers completions once it has seen the cascade ready (status poll). */
    static void awaitServing(BenchRun run) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (Instant.now().isBefore(deadline)) {
            try {
                if (Await.result(run.http.post(run.gatewayCompletions(), run.token(0), BenchRun.COMPLETION), 10)
                        .status() == 200) {
                    return;
                }
            } catch (RuntimeException e) {
                // Not answering yet: try again below.
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the gateway did not serve a completion within a minute");
    }

    static void log(String message) {
        System.out.println("bench " + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ": " + message);
    }

    static String ids() {
        return SCENARIOS.stream().map(Scenario::id).collect(Collectors.joining(","));
    }
}
