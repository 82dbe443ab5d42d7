package dev.verity.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * P2: the highest constant rate the OpenAI path holds with zero errors and added p99 ≤ 50 ms,
 * stepping the rate up until a step fails; at every step the direct call runs first at the same
 * rate, so "added" is measured against the same moment. The baseline row is the highest step the
 * provider called directly held under the same rule (its p99 within 50 ms of its own latency).
 * Portkey, when installed, runs each step right after the direct call under the same rule as
 * Verity (added p99 against that direct call) until it fails a step; the target is
 * Verity's highest step at least five times Portkey's.
 */
final class MaxRate implements Scenario {

    private static final double ADDED_P99_LIMIT_MS = 50;
    private static final int TARGET_RATE = 4000;
    private static final double TARGET_TIMES_PORTKEY = 5;

    @Override
    public String id() {
        return "P2";
    }

    @Override
    public void run(BenchRun run) throws IOException {
        int verityHeld = 0;
        int directHeld = 0;
        int portkeyHeld = 0;
        boolean portkeyFailed = run.portkey.isEmpty();
        List<String> steps = new ArrayList<>();
        for (int rate : run.profile.p2Rates()) {
            LoadResult direct = run.measure("direct", rate, run.completions(run.directUrl(), false), "p2-direct-" + rate + "rps");
            LoadResult verity = run.measure("verity", rate, run.completions(run.gatewayCompletions(), true),
                    "p2-verity-" + rate + "rps");
            if (!portkeyFailed) {
                LoadResult portkey = run.measure("portkey", rate, run.portkeyCompletions(run.portkey.get()),
                        "p2-portkey-" + rate + "rps");
                double portkeyAdded = portkey.p99() - direct.p99();
                portkeyFailed = portkey.errors() > 0 || !(portkeyAdded <= ADDED_P99_LIMIT_MS);
                steps.add(String.format(Locale.ROOT, "%d/s: portkey p99 %.2f ms errors %d (added %.2f ms) → %s", rate,
                        portkey.p99(), portkey.errors(), portkeyAdded, portkeyFailed ? "not held" : "held"));
                if (!portkeyFailed) {
                    portkeyHeld = rate;
                }
            }
            double added = verity.p99() - direct.p99();
            boolean directOk = direct.errors() == 0 && direct.p99() - run.provider.latencyMs() <= ADDED_P99_LIMIT_MS;
            boolean verityOk = verity.errors() == 0 && added <= ADDED_P99_LIMIT_MS;
            steps.add(String.format(Locale.ROOT, "%d/s: direct p99 %.2f ms errors %d; verity p99 %.2f ms errors %d (added %.2f ms) → %s",
                    rate, direct.p99(), direct.errors(), verity.p99(), verity.errors(), added, verityOk ? "held" : "not held"));
            if (directOk) {
                directHeld = rate;
            }
            if (!verityOk) {
                break;
            }
            verityHeld = rate;
        }
        Files.createDirectories(run.raw);
        Files.write(run.raw.resolve("p2-steps.txt"), steps);
        List<Integer> rates = run.profile.p2Rates();
        boolean ceiling = verityHeld == rates.getLast();
        Summary verity = Summary.of(List.of((double) verityHeld));
        run.rows.add(new Row("P2 highest rate with 0 errors and added p99 ≤ 50 ms"
                + (ceiling ? " (held every step tried)" : ""), "provider direct (same steps)",
                directHeld + " /s", verityHeld + " /s" + (verityHeld == 0 ? " (first step " + rates.getFirst() + "/s not held)" : ""),
                directHeld == 0 ? "—" : String.format(Locale.ROOT, "%.2f×", (double) verityHeld / directHeld), "—",
                "≥ " + TARGET_RATE + " /s", verity.median() >= TARGET_RATE ? "met" : "**not met**",
                "1 step-up, " + steps.size() + " steps", Machine.load()));
        if (run.portkey.isEmpty()) {
            run.rows.add(Row.notMeasured("P2 highest rate, Verity against Portkey " + Portkey.VERSION, "Portkey " + Portkey.VERSION,
                    "not measured (Portkey not installed)"));
            return;
        }
        boolean portkeyCeiling = portkeyHeld == rates.getLast();
        double times = portkeyHeld == 0 ? Double.NaN : (double) verityHeld / portkeyHeld;
        run.rows.add(new Row("P2 highest rate, Verity against Portkey " + Portkey.VERSION + " (same steps, same rule)",
                "Portkey " + Portkey.VERSION + " (same steps)",
                portkeyHeld + " /s" + (portkeyCeiling ? " (held every step tried)" : "")
                        + (portkeyHeld == 0 ? " (first step not held)" : ""),
                verityHeld + " /s", portkeyHeld == 0 ? "—" : String.format(Locale.ROOT, "%.2f×", times), "—",
                "≥ " + (int) TARGET_TIMES_PORTKEY + "× Portkey", portkeyHeld == 0 || portkeyCeiling ? "—"
                        : times >= TARGET_TIMES_PORTKEY ? "met" : "**not met**",
                "1 step-up, " + steps.size() + " steps", Machine.load()));
    }
}
