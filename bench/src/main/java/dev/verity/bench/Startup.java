package dev.verity.bench;

import dev.verity.local.PackagedStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * P6: each service's time from process launch to ready (the service restarted alone, so the
 * figure is its own and not four JVMs fighting for two cores; the smoke profile reports the
 * stack's first start instead), and its RSS idle and under P1 load.
 */
final class Startup implements Scenario {

    @Override
    public String id() {
        return "P6";
    }

    @Override
    public void run(BenchRun run) {
        int restarts = run.profile.p6Restarts();
        for (String module : PackagedStack.MODULES) {
            List<Double> seconds = new ArrayList<>();
            String how;
            if (restarts == 0) {
                seconds.add(run.stack.services().startedIn().get(module).toMillis() / 1000.0);
                how = " (first start, all four at once)";
            } else {
                for (int i = 0; i < restarts; i++) {
                    seconds.add(run.stack.services().restart(module, Duration.ofMinutes(2)).toMillis() / 1000.0);
                }
                how = " (restarted alone)";
            }
            Summary ready = Summary.of(seconds);
            run.rows.add(Row.of("P6 " + module + " start → ready" + how, "—", Summary.of(List.of()), ready, " s", null,
                    "≤ 1.5 s", ready.median() <= 1.5, Integer.toString(ready.count())));
            Summary idle = Summary.of(List.of(run.rssIdle.getOrDefault(module, Double.NaN)));
            run.rows.add(Row.of("P6 " + module + " RSS idle", "—", Summary.of(List.of()), idle, " MB", null,
                    "≤ 200 MB", idle.median() <= 200, "1"));
            Summary loaded = Summary.of(List.of(run.rssUnderLoad.getOrDefault(module, Double.NaN)));
            run.rows.add(Row.of("P6 " + module + " RSS under P1 load (highest)", "—", Summary.of(List.of()), loaded,
                    " MB", null, "≤ 200 MB", loaded.measured() ? loaded.median() <= 200 : null, "1"));
        }
    }
}
