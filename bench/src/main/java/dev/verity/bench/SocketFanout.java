package dev.verity.bench;

import dev.verity.local.PackagedStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * P5: authenticated WebSockets on one gateway, stepped up, and at each step the time a real
 * status event (the data agent lost, then back) takes to reach every socket: receive time minus
 * the event's timestamp, p50/p99 over all sockets and both events; with the gateway's RSS while the
 * sockets are open and its live heap after a full GC, and what one socket costs of each: the
 * growth over the same figures taken before the first socket opened, divided by the sockets. The
 * GC is forced only after the fan-out was measured, so it never cleans the heap the event meets.
 */
final class SocketFanout implements Scenario {

    @Override
    public String id() {
        return "P5";
    }

    @Override
    public void run(BenchRun run) {
        long gateway = run.stack.service(PackagedStack.GATEWAY).pid();
        Machine.fullGc(gateway);
        double heapBefore = run.gatewayHeapMb();
        double rssBefore = Machine.rssMb(gateway);
        try (Sockets sockets = new Sockets(run.vertx, run.stack.gateway())) {
            for (int step : run.profile.p5Sockets()) {
                sockets.openUpTo(step, run::socketToken, 500);
                LossCycle.Delays delays = LossCycle.run(run, sockets, Duration.ofSeconds(60));
                double rss = Machine.rssMb(gateway);
                Machine.fullGc(gateway);
                double heap = run.gatewayHeapMb();
                List<Double> fanOut = new ArrayList<>(delays.unavailableFanOut());
                fanOut.addAll(delays.readyFanOut());
                int expected = 2 * step;
                String received = fanOut.size() == expected ? "" : " — only " + fanOut.size() + " of " + expected + " deliveries";
                boolean targetStep = step == 10_000;
                for (double pct : new double[] {50, 99}) {
                    Summary value = Summary.of(List.of(Summary.percentile(fanOut, pct)));
                    Row row = Row.of(String.format(Locale.ROOT, "P5 status fan-out p%.0f to %,d sockets", pct, step), "—",
                            Summary.of(List.of()), value, " ms", null, pct == 99 ? "≤ 100 ms at 10,000 sockets" : "—",
                            pct == 99 && targetStep ? value.median() <= 100 && received.isEmpty() : null, "2 events");
                    run.rows.add(OpenAiLatency.withErrors(row, received));
                }
                String target = targetStep ? "RSS ≤ 350 MB at 10,000 sockets" : "—";
                String verdict = targetStep ? (rss <= 350 ? "met" : "**not met**") : "—";
                run.rows.add(new Row(String.format(Locale.ROOT, "P5 gateway memory with %,d sockets open", step), "no sockets",
                        String.format(Locale.ROOT, "live heap %.0f MB, RSS %.0f MB", heapBefore, rssBefore),
                        String.format(Locale.ROOT, "live heap %.0f MB, RSS %.0f MB; per socket: live heap %.1f KB, RSS %.1f KB",
                                heap, rss, (heap - heapBefore) * 1024 / step, (rss - rssBefore) * 1024 / step),
                        "—", "—", target, verdict, "1", Machine.load()));
            }
            if (run.profile.p5Sockets().getLast() < 10_000) {
                run.rows.add(Row.notMeasured("P5 10,000 sockets", "—",
                        "not measured in the " + run.profile.name() + " profile (largest step " + run.profile.p5Sockets().getLast() + ")"));
            }
        }
    }
}
