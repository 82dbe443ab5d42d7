package dev.verity.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Several repetitions of one figure: median, with min and max. */
record Summary(double median, double min, double max, int count) {

    static Summary of(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values.stream().filter(v -> !v.isNaN()).toList());
        if (sorted.isEmpty()) {
            return new Summary(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        Collections.sort(sorted);
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return new Summary(median, sorted.getFirst(), sorted.getLast(), n);
    }

    /** The {@code p}-th percentile (nearest rank) of raw values, e.g. per-socket delays. */
    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    boolean measured() {
        return count > 0;
    }

    /** {@code 1.23 ms (1.10–1.40)}; a single value without the range. */
    String format(String unit) {
        if (!measured()) {
            return "not measured";
        }
        if (count == 1 || min == max) {
            return number(median) + unit;
        }
        return number(median) + unit + " (" + number(min) + "–" + number(max) + ")";
    }

    static String number(double value) {
        double abs = Math.abs(value);
        return String.format(Locale.ROOT, abs >= 100 ? "%.0f" : abs >= 10 ? "%.1f" : "%.2f", value);
    }
}
