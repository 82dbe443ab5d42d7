package dev.verity.bench;

import dev.verity.local.PackagedStack;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything one bench run shares: the stack, the baselines, the client, and what was measured. */
final class BenchRun {

    static final Buffer COMPLETION = Buffer.buffer("""
            {"model":"fast","messages":[{"role":"user","content":"How fast were my calls today?"}]}""");

    final Profile profile;
    final Vertx vertx;
    final Http http;
    final ProviderStandIn provider;
    final Optional<Nginx> nginx;
    final Optional<Portkey> portkey;
    final BenchStack stack;
    final Path raw;
    final List<Row> rows = new ArrayList<>();
    /** P1 latency per target and rate (median over repetitions), for the plot. */
    final Map<String, Map<Integer, double[]>> p1Curves = new LinkedHashMap<>();
    /** Highest RSS of each service seen under P1 load, in MB. */
    final Map<String, Double> rssUnderLoad = new LinkedHashMap<>();
    final Map<String, Double> rssIdle = new LinkedHashMap<>();
    /** P9's curves by variant, for the plot. */
    final Map<String, List<WarmUp.Window>> warmUpCurves = new LinkedHashMap<>();
    private final List<String> tokens = new ArrayList<>();
    private final Map<Integer, String> socketTokens = new java.util.concurrent.ConcurrentHashMap<>();

    BenchRun(Profile profile, Vertx vertx, ProviderStandIn provider, Optional<Nginx> nginx, Optional<Portkey> portkey,
             BenchStack stack, Path raw) {
        this.profile = profile;
        this.vertx = vertx;
        this.http = new Http(vertx);
        this.provider = provider;
        this.nginx = nginx;
        this.portkey = portkey;
        this.stack = stack;
        this.raw = raw;
        for (int i = 0; i < 100; i++) {
            tokens.add(stack.token("bench-user-" + i));
        }
    }

    /** One of 100 users, in turn: no single user's state (rate limit key, sockets) dominates. */
    String token(long i) {
        return tokens.get((int) (i % tokens.size()));
    }

    /** Sockets spread over 1,000 users (ten per user at 10,000 sockets), minted when first needed. */
    String socketToken(int i) {
        return socketTokens.computeIfAbsent(i % 1000, user -> stack.token("bench-socket-user-" + user));
    }

    /** Every service has a fresh AOT cache and this JDK can use it: P6 and P9 then measure with and without. */
    boolean aotCaches() {
        return dev.verity.local.AotCache.supported() && PackagedStack.MODULES.stream().allMatch(module ->
                dev.verity.local.AotCache.fresh(dev.verity.local.ServiceProcess.runnerOf(
                        dev.verity.local.ServiceProcess.repoRoot(), module)));
    }

    /** The variants P6 and P9 compare: with the AOT cache (when there are caches) and without. */
    List<String> aotVariants() {
        return aotCaches() ? List.of("without AOT cache", "with AOT cache") : List.of("without AOT cache");
    }

    /** Later starts of every service use the AOT cache (variant "with AOT cache") or not. */
    void useAotCache(String variant) {
        dev.verity.local.AotCache.Use use = variant.startsWith("with ") ? dev.verity.local.AotCache.Use.USE
                : dev.verity.local.AotCache.Use.OFF;
        PackagedStack.MODULES.forEach(module -> stack.service(module).aotCache(use));
    }

    /** The gateway's heap in use (MB), from its Micrometer JVM metrics. */
    double gatewayHeapMb() {
        Http.Reply reply = Await.result(http.get(stack.gateway() + "/q/metrics"), 10);
        double bytes = 0;
        for (String line : reply.body().toString().split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                bytes += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return bytes / (1024 * 1024);
    }

    /**
     * A call answered 200 by {@code url} (the provider, nginx or the gateway); every other answer
     * is counted by its cause ({@link ErrorCauses}) so that an error row says what it was.
     */
    OpenLoad.Call completions(String url, boolean authenticated) {
        long[] counter = {0};
        return () -> ErrorCauses.counted(http.post(url, authenticated ? token(counter[0]++) : null, COMPLETION));
    }

    /** A call through Portkey to the stand-in's {@code fast} model, with a provider key as its clients send one. */
    OpenLoad.Call portkeyCompletions(Portkey portkey) {
        io.vertx.core.MultiMap target = Portkey.target(provider.baseUrl(BenchStack.FAST));
        return () -> ErrorCauses.counted(http.post(portkey.completionsUrl(), "sk-bench-provider-key", COMPLETION, target));
    }

    String directUrl() {
        return provider.baseUrl(BenchStack.FAST) + "/chat/completions";
    }

    String gatewayCompletions() {
        return stack.gateway() + "/v1/chat/completions";
    }

    /** CPU seconds the four services have used so far. */
    double stackCpuSeconds() {
        return PackagedStack.MODULES.stream().mapToDouble(m -> Machine.cpuSeconds(stack.service(m).pid())).sum();
    }

    /** Requests one {@link #measure} sends, warm-up included, for CPU per request. */
    long requestsPerMeasure(double rate) {
        return Math.round(rate * (profile.warmUp().toMillis() + profile.measure().toMillis()) / 1000.0);
    }

    LoadResult measure(String name, double rate, OpenLoad.Call call, String rawName) {
        OpenLoad.warmUp(rate, profile.warmUp(), call);
        ErrorCauses.reset();
        LoadResult result = OpenLoad.run(name, rate, profile.measure(), call);
        String causes = ErrorCauses.drain();
        if (!causes.isEmpty()) {
            Bench.log(rawName + ": errors by cause: " + causes);
        }
        try {
            result.write(raw.resolve(rawName + ".hgrm"), causes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }
}
