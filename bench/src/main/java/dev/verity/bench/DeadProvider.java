package dev.verity.bench;

import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * P4: a dead provider (model {@code dead}: nothing listens on its port) whose breaker is open.
 * Time to a clean failure when the caller denies fallback, and time to a fallback answer (the
 * live model {@code fast}) minus that model's own latency, taken by calling it directly at the
 * same rate in the same repetition.
 */
final class DeadProvider implements Scenario {

    private static final Buffer DENY = Buffer.buffer("""
            {"model":"dead","fallback":"deny","messages":[{"role":"user","content":"How fast were my calls today?"}]}""");
    private static final Buffer ALLOW = Buffer.buffer("""
            {"model":"dead","messages":[{"role":"user","content":"How fast were my calls today?"}]}""");

    @Override
    public String id() {
        return "P4";
    }

    @Override
    public void run(BenchRun run) throws InterruptedException {
        String url = run.gatewayCompletions();
        openBreaker(run, url);
        int rate = run.profile.p4Rate();
        List<LoadResult> direct = new ArrayList<>();
        List<LoadResult> failures = new ArrayList<>();
        List<LoadResult> fallbacks = new ArrayList<>();
        for (int rep = 1; rep <= run.profile.repetitions(); rep++) {
            direct.add(run.measure("direct", rate, run.completions(run.directUrl(), false), "p4-direct-rep" + rep));
            failures.add(run.measure("clean failure", rate, call(run, url, DENY, false), "p4-clean-failure-rep" + rep));
            fallbacks.add(run.measure("fallback", rate, call(run, url, ALLOW, true), "p4-fallback-rep" + rep));
        }
        String reps = Integer.toString(direct.size());
        for (double pct : new double[] {50, 99}) {
            Summary failure = Summary.of(failures.stream().map(r -> r.ms(pct)).toList());
            run.rows.add(OpenAiLatency.withErrors(Row.of(String.format("P4 breaker open: time to clean failure p%.0f", pct), "—",
                    Summary.of(List.of()), failure, " ms", null, pct == 99 ? "≤ 5 ms" : "—",
                    pct == 99 ? failure.median() <= 5 : null, reps), OpenAiLatency.errors(failures)));
            Summary added = OpenAiLatency.added(fallbacks, direct, pct);
            run.rows.add(OpenAiLatency.withErrors(Row.of(String.format("P4 breaker open: fallback answer p%.0f", pct),
                    "fast model's own latency (direct)", Summary.of(direct.stream().map(r -> r.ms(pct)).toList()),
                    Summary.of(fallbacks.stream().map(r -> r.ms(pct)).toList()), " ms", added,
                    pct == 99 ? "added ≤ 5 ms" : "—", pct == 99 ? added.median() <= 5 : null, reps),
                    OpenAiLatency.errors(fallbacks)));
        }
    }

    /** A clean failure is a problem naming the open breaker; a fallback is a 200 answer. */
    private static OpenLoad.Call call(BenchRun run, String url, Buffer body, boolean expectAnswer) {
        long[] next = {0};
        return () -> run.http.post(url, run.token(next[0]++), body).map(reply -> expectAnswer
                ? reply.status() == 200
                : reply.status() >= 500 && reply.body().toString().contains("circuit_open"));
    }

    /** Calls the dead model until the cascade answers that its breaker is open. */
    private static void openBreaker(BenchRun run, String url) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (Instant.now().isBefore(deadline)) {
            try {
                Http.Reply reply = Await.result(run.http.post(url, run.token(0), DENY), 30);
                if (reply.body().toString().contains("circuit_open")) {
                    return;
                }
            } catch (RuntimeException e) {
                // The gateway may still be catching up after P6's restarts: try again.
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the dead model's breaker did not open within a minute");
    }
}
