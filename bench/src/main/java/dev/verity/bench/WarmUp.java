package dev.verity.bench;

import dev.verity.local.PackagedStack;
import dev.verity.local.ServiceProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * P9: how fast Verity is from its first second. All four services are stopped and started again
 * (fresh JVMs, nothing compiled yet), and from the moment all four report ready the OpenAI path
 * gets a fixed offered load for two minutes, measured in consecutive 10 s windows: answers per
 * second (good answers over the window's wall time, its drain included, so a stall lowers it)
 * and p99 per window. The warm rate is the median of the last three windows; the target is the
 * first window at least half of it. With fresh AOT caches the curve is taken twice, without the
 * caches and then with them.
 */
final class WarmUp implements Scenario {

    @Override
    public String id() {
        return "P9";
    }

    @Override
    public void run(BenchRun run) throws IOException {
        for (String label : run.aotVariants()) {
            run.useAotCache(label);
            List<Window> curve = curve(run);
            write(run, label, curve);
            run.warmUpCurves.put(label, curve);
            addRows(run, label, curve);
        }
        // What the rest of the run started with.
        run.useAotCache(run.aotVariants().getLast());
    }

    /** One window of the curve: seconds since ready at its end, answers per second, p99, errors. */
    record Window(double endSeconds, double answersPerSecond, double p99Ms, long errors, long sent) {
    }

    static List<Window> curve(BenchRun run) {
        restartAll(run);
        Profile.WarmUpCurve shape = run.profile.warmUpCurve();
        List<Window> windows = new ArrayList<>();
        long ready = System.nanoTime();
        OpenLoad.Call call = run.completions(run.gatewayCompletions(), true);
        for (int i = 0; i < shape.windows(); i++) {
            long started = System.nanoTime();
            LoadResult result = OpenLoad.run("verity", shape.rate(), shape.window(), call);
            long ended = System.nanoTime();
            windows.add(new Window((ended - ready) / 1e9, result.ok() * 1e9 / (ended - started), result.p99(),
                    result.errors(), result.sent()));
        }
        return windows;
    }

    /** Stops all four, starts all four at once (as a deployment does), returns once all report ready. */
    private static void restartAll(BenchRun run) {
        for (String module : PackagedStack.MODULES.reversed()) {
            run.stack.service(module).stop(java.time.Duration.ofSeconds(15));
        }
        for (String module : PackagedStack.MODULES) {
            run.stack.service(module).start();
        }
        for (String module : PackagedStack.MODULES) {
            ServiceProcess process = run.stack.service(module);
            process.awaitReady(java.time.Duration.ofMinutes(2));
        }
    }

    static double warmRate(List<Window> curve) {
        List<Window> tail = curve.subList(Math.max(0, curve.size() - 3), curve.size());
        return Summary.of(tail.stream().map(Window::answersPerSecond).toList()).median();
    }

    static void addRows(BenchRun run, String label, List<Window> curve) {
        Profile.WarmUpCurve shape = run.profile.warmUpCurve();
        double warm = warmRate(curve);
        double previousEnd = 0;
        for (int i = 0; i < curve.size(); i++) {
            Window window = curve.get(i);
            String errors = window.errors() == 0 ? "" : " — errors " + window.errors() + "/" + window.sent();
            boolean first = i == 0;
            run.rows.add(new Row(String.format(Locale.ROOT, "P9 warm-up (%s) %.0f–%.0f s after ready @ %d/s offered", label,
                    previousEnd, window.endSeconds(), shape.rate()), "warm rate (median of the last 3 windows)",
                    Summary.number(warm) + " /s", Summary.number(window.answersPerSecond()) + " /s, p99 "
                    + Summary.number(window.p99Ms()) + " ms" + errors,
                    warm > 0 ? String.format(Locale.ROOT, "%.2f×", window.answersPerSecond() / warm) : "—", "—",
                    first ? "first window ≥ 50% of warm" : "—",
                    first ? (warm > 0 && window.answersPerSecond() >= warm / 2 ? "met" : "**not met**") : "—", "1",
                    Machine.load()));
            previousEnd = window.endSeconds();
        }
    }

    static void write(BenchRun run, String label, List<Window> curve) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# P9 " + label + ": seconds after ready (window end), answers/s, p99 ms, errors, sent");
        curve.forEach(w -> lines.add(String.format(Locale.ROOT, "%.1f %.1f %.2f %d %d", w.endSeconds(), w.answersPerSecond(),
                w.p99Ms(), w.errors(), w.sent())));
        Files.createDirectories(run.raw);
        Files.write(run.raw.resolve("p9-warm-up-" + label.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + ".txt"), lines);
    }

    /** Curves by label, for the plot. */
    static Map<String, double[][]> points(Map<String, List<Window>> curves) {
        Map<String, double[][]> points = new LinkedHashMap<>();
        curves.forEach((label, curve) -> points.put(label, curve.stream()
                .map(w -> new double[] {w.endSeconds(), w.answersPerSecond(), w.p99Ms()}).toArray(double[][]::new)));
        return points;
    }
}
