package dev.verity.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * P7: the data agent killed → every client socket gets {@code service_unavailable} (delay from
 * the kill); started again → {@code service_ready} (delay from the restarted process answering
 * ready). p99 over the sockets per repetition, then median/min/max over repetitions.
 */
final class ServiceLoss implements Scenario {

    @Override
    public String id() {
        return "P7";
    }

    @Override
    public void run(BenchRun run) {
        int count = run.profile.p7Sockets();
        List<Double> downP99 = new ArrayList<>();
        List<Double> upP99 = new ArrayList<>();
        List<Double> restart = new ArrayList<>();
        int missing = 0;
        try (Sockets sockets = new Sockets(run.vertx, run.stack.gateway())) {
            sockets.openUpTo(count, i -> run.token(i), 100);
            for (int rep = 0; rep < run.profile.repetitions(); rep++) {
                LossCycle.Delays delays = LossCycle.run(run, sockets, Duration.ofSeconds(30));
                downP99.add(Summary.percentile(delays.unavailableAfterKill(), 99));
                upP99.add(Summary.percentile(delays.readyAfterProcessReady(), 99));
                restart.add(delays.restartedIn().toMillis() / 1000.0);
                missing += 2 * count - delays.unavailableAfterKill().size() - delays.readyAfterProcessReady().size();
            }
        }
        String reps = Integer.toString(downP99.size());
        String lost = missing == 0 ? "" : " — " + missing + " deliveries missing";
        Summary down = Summary.of(downP99.stream().map(ms -> ms / 1000).toList());
        run.rows.add(OpenAiLatency.withErrors(Row.of("P7 data-agent killed → service_unavailable on all " + count
                + " sockets (p99)", "—", Summary.of(List.of()), down, " s", null, "≤ 1 s", down.median() <= 1 && lost.isEmpty(),
                reps), lost));
        Summary up = Summary.of(upP99.stream().map(ms -> ms / 1000).toList());
        run.rows.add(Row.of("P7 restarted data-agent ready → service_ready on all sockets (p99)", "—", Summary.of(List.of()),
                up, " s", null, "≤ 1 s", up.median() <= 1, reps));
        run.rows.add(Row.of("P7 data-agent restart: launch → ready", "—", Summary.of(List.of()), Summary.of(restart), " s",
                null, "—", null, reps));
    }
}
