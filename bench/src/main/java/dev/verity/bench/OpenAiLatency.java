package dev.verity.bench;

import dev.verity.local.PackagedStack;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * P1: the OpenAI path (client → gateway → cascade → provider) against the provider called
 * directly and through one nginx hop, at each rate, the three interleaved within a repetition so
 * they share the machine's mood. Added latency is Verity minus the direct call, per repetition.
 */
final class OpenAiLatency implements Scenario {

    @Override
    public String id() {
        return "P1";
    }

    @Override
    public void run(BenchRun run) {
        Profile profile = run.profile;
        for (int rate : profile.p1Rates()) {
            Map<String, List<LoadResult>> results = new LinkedHashMap<>();
            List<Double> nginxCpuMs = new ArrayList<>();
            List<Double> portkeyCpuMs = new ArrayList<>();
            List<Double> verityCpuMs = new ArrayList<>();
            double perRequest = 1000.0 / run.requestsPerMeasure(rate);
            for (int rep = 1; rep <= profile.repetitions(); rep++) {
                String suffix = "-" + rate + "rps-rep" + rep;
                results.computeIfAbsent("direct", k -> new ArrayList<>())
                        .add(run.measure("direct", rate, run.completions(run.directUrl(), false), "p1-direct" + suffix));
                if (run.nginx.isPresent()) {
                    Nginx nginx = run.nginx.get();
                    double before = nginx.cpuSeconds();
                    results.computeIfAbsent("nginx", k -> new ArrayList<>()).add(run.measure(
                            "nginx", rate, run.completions(nginx.baseUrl(BenchStack.FAST) + "/chat/completions", false),
                            "p1-nginx" + suffix));
                    nginxCpuMs.add((nginx.cpuSeconds() - before) * perRequest);
                }
                if (run.portkey.isPresent()) {
                    Portkey portkey = run.portkey.get();
                    double before = portkey.cpuSeconds();
                    // The same warm-up before every measurement as Verity gets (BenchRun.measure).
                    results.computeIfAbsent("portkey", k -> new ArrayList<>()).add(run.measure(
                            "portkey", rate, run.portkeyCompletions(portkey), "p1-portkey" + suffix));
                    portkeyCpuMs.add((portkey.cpuSeconds() - before) * perRequest);
                }
                double before = run.stackCpuSeconds();
                results.computeIfAbsent("verity", k -> new ArrayList<>())
                        .add(run.measure("verity", rate, run.completions(run.gatewayCompletions(), true), "p1-verity" + suffix));
                verityCpuMs.add((run.stackCpuSeconds() - before) * perRequest);
                // RSS right after the heaviest load each service saw.
                for (String module : PackagedStack.MODULES) {
                    run.rssUnderLoad.merge(module, Machine.rssMb(run.stack.service(module).pid()), Math::max);
                }
            }
            addRows(run, rate, results);
            // CPU time per request hardly depends on what else the machine runs: the cost behind the latencies.
            run.rows.add(Row.of("P1 CPU per request @ " + rate + "/s (Verity: the four services)", "one nginx hop (nginx)",
                    Summary.of(nginxCpuMs), Summary.of(verityCpuMs), " ms", null, "—", null,
                    Integer.toString(verityCpuMs.size())));
            if (!portkeyCpuMs.isEmpty()) {
                run.rows.add(Row.of("P1 CPU per request @ " + rate + "/s (Verity: the four services)", "Portkey " + Portkey.VERSION
                        + " (node)", Summary.of(portkeyCpuMs), Summary.of(verityCpuMs), " ms", null, "—", null,
                        Integer.toString(verityCpuMs.size())));
            }
        }
    }

    private static void addRows(BenchRun run, int rate, Map<String, List<LoadResult>> results) {
        List<LoadResult> direct = results.get("direct");
        List<LoadResult> verity = results.get("verity");
        String reps = Integer.toString(verity.size());
        for (String target : results.keySet()) {
            List<LoadResult> list = results.get(target);
            run.p1Curves.computeIfAbsent(target, k -> new LinkedHashMap<>()).put(rate, new double[] {
                    Summary.of(list.stream().map(LoadResult::p50).toList()).median(),
                    Summary.of(list.stream().map(LoadResult::p99).toList()).median()});
        }
        for (String percentile : List.of("p50", "p99")) {
            double pct = percentile.equals("p50") ? 50 : 99;
            Summary verityValue = Summary.of(verity.stream().map(r -> r.ms(pct)).toList());
            String errors = errors(verity);
            boolean target = rate == 500 && percentile.equals("p99");
            Summary addedVsDirect = added(verity, direct, pct);
            run.rows.add(withErrors(Row.of("P1 OpenAI path " + percentile + " @ " + rate + "/s", "provider direct",
                    Summary.of(direct.stream().map(r -> r.ms(pct)).toList()), verityValue, " ms", addedVsDirect,
                    target ? "added ≤ 1 ms" : "—", target ? addedVsDirect.median() <= 1.0 : null, reps), errors));
            if (results.containsKey("nginx")) {
                List<LoadResult> nginx = results.get("nginx");
                run.rows.add(withErrors(Row.of("P1 OpenAI path " + percentile + " @ " + rate + "/s", "one nginx hop",
                        Summary.of(nginx.stream().map(r -> r.ms(pct)).toList()), verityValue, " ms",
                        added(verity, nginx, pct), "—", null, reps), errors));
            } else {
                run.rows.add(Row.notMeasured("P1 OpenAI path " + percentile + " @ " + rate + "/s", "one nginx hop",
                        "not measured (nginx not installed)"));
            }
            if (results.containsKey("portkey")) {
                List<LoadResult> portkey = results.get("portkey");
                run.rows.add(withErrors(Row.of("P1 OpenAI path " + percentile + " @ " + rate + "/s", "Portkey "
                        + Portkey.VERSION + errors(portkey), Summary.of(portkey.stream().map(r -> r.ms(pct)).toList()),
                        verityValue, " ms", added(verity, portkey, pct), "—", null, reps), errors));
            }
        }
    }

    static Summary added(List<LoadResult> verity, List<LoadResult> baseline, double percentile) {
        List<Double> added = new ArrayList<>();
        for (int i = 0; i < verity.size(); i++) {
            added.add(verity.get(i).ms(percentile) - baseline.get(i).ms(percentile));
        }
        return Summary.of(added);
    }

    static String errors(List<LoadResult> results) {
        long errors = results.stream().mapToLong(LoadResult::errors).sum();
        long sent = results.stream().mapToLong(LoadResult::sent).sum();
        return errors == 0 ? "" : " — errors " + errors + "/" + sent;
    }

    static Row withErrors(Row row, String errors) {
        return errors.isEmpty() ? row : new Row(row.scenario(), row.baselineName(), row.baseline(), row.verity() + errors,
                row.ratio(), row.added(), row.target(), row.verdict(), row.reps(), row.machine());
    }
}
