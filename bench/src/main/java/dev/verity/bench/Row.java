package dev.verity.bench;

import java.util.Locale;

/**
 * One line of the results table. {@code ratio} is Verity's median over the baseline's; {@code
 * added} is Verity minus baseline per repetition, summarised; {@code verdict} says whether the
 * issue's target is met, so a reader sees at once where Verity is slower than it should be.
 */
record Row(String scenario, String baselineName, String baseline, String verity, String ratio, String added,
           String target, String verdict, String reps, String machine) {

    static Row of(String scenario, String baselineName, Summary baseline, Summary verity, String unit, Summary added,
                  String target, Boolean met, String reps) {
        String ratio = baseline.measured() && verity.measured() && baseline.median() != 0
                ? String.format(Locale.ROOT, "%.2f×", verity.median() / baseline.median()) : "—";
        return new Row(scenario, baselineName, baseline.measured() ? baseline.format(unit) : "—",
                verity.format(unit), ratio, added == null ? "—" : added.format(unit), target,
                met == null ? "—" : met ? "met" : "**not met**", reps, Machine.load());
    }

    static Row notMeasured(String scenario, String baselineName, String why) {
        return new Row(scenario, baselineName, why, "—", "—", "—", "—", "—", "0", Machine.load());
    }
}
