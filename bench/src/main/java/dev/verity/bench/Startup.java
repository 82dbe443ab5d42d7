package dev.verity.bench;

import dev.verity.local.PackagedStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * P6: each service's time from process launch to ready (the service restarted alone, so the
 * figure is its own and not four JVMs fighting for two cores; the smoke profile reports the
 * stack's first start instead), with the AOT cache beside without when the services have fresh
 * caches, and its RSS idle and under P1 load.
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
            if (restarts == 0) {
                Summary ready = Summary.of(List.of(run.stack.services().startedIn().get(module).toMillis() / 1000.0));
                run.rows.add(Row.of("P6 " + module + " start → ready (first start, all four at once)", "—",
                        Summary.of(List.of()), ready, " s", null, "≤ 1.0 s", ready.median() <= 1.0, "1"));
            } else {
                addRestartRows(run, module, restarts);
            }
            Summary idle = Summary.of(List.of(run.rssIdle.getOrDefault(module, Double.NaN)));
            run.rows.add(Row.of("P6 " + module + " RSS idle", "—", Summary.of(List.of()), idle, " MB", null,
                    "≤ 200 MB", idle.median() <= 200, "1"));
            Summary loaded = Summary.of(List.of(run.rssUnderLoad.getOrDefault(module, Double.NaN)));
            run.rows.add(Row.of("P6 " + module + " RSS under P1 load (highest)", "—", Summary.of(List.of()), loaded,
                    " MB", null, "≤ 250 MB", loaded.measured() ? loaded.median() <= 250 : null, "1"));
        }
        run.useAotCache(run.aotVariants().getLast());
    }

    /**
     * Restarts alone, without the AOT cache and (when there is one) with it, alternating so that
     * both see the same machine; the row with the cache has the one without as its baseline.
     */
    private static void addRestartRows(BenchRun run, String module, int restarts) {
        java.util.Map<String, List<Double>> seconds = new java.util.LinkedHashMap<>();
        for (int i = 0; i < restarts; i++) {
            for (String variant : run.aotVariants()) {
                run.useAotCache(variant);
                seconds.computeIfAbsent(variant, k -> new ArrayList<>())
                        .add(run.stack.services().restart(module, Duration.ofMinutes(2)).toMillis() / 1000.0);
            }
        }
        Summary without = Summary.of(seconds.get("without AOT cache"));
        if (seconds.size() == 1) {
            run.rows.add(Row.of("P6 " + module + " start → ready (restarted alone, no AOT cache)", "—", Summary.of(List.of()),
                    without, " s", null, "≤ 1.0 s with the AOT cache", null, Integer.toString(without.count())));
            return;
        }
        Summary with = Summary.of(seconds.get("with AOT cache"));
        List<Double> added = new ArrayList<>();
        for (int i = 0; i < restarts; i++) {
            added.add(seconds.get("with AOT cache").get(i) - seconds.get("without AOT cache").get(i));
        }
        run.rows.add(Row.of("P6 " + module + " start → ready (restarted alone, with AOT cache)", "same, without AOT cache",
                without, with, " s", Summary.of(added), "≤ 1.0 s", with.median() <= 1.0, Integer.toString(with.count())));
    }
}
