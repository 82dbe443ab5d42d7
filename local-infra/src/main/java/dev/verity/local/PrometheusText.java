package dev.verity.local;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads sample values out of a Prometheus text scrape, so a test can compare a series before and
 * after one call as numbers: a regex over the text would pass on a series another test already
 * raised, and digits searched in text match inside timestamps.
 */
public final class PrometheusText {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)(?: \\d+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private PrometheusText() {
    }

    /**
     * The sum of every sample of {@code metric} whose labels include all of {@code labels}; zero
     * when none does (a series not yet registered has counted nothing).
     */
    public static BigDecimal sum(String scrape, String metric, Map<String, String> labels) {
        BigDecimal total = BigDecimal.ZERO;
        for (String line : scrape.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line.strip());
            if (!sample.matches() || !sample.group(1).equals(metric)) {
                continue;
            }
            if (labels(sample.group(3)).entrySet().containsAll(labels.entrySet())) {
                total = total.add(new BigDecimal(sample.group(4)));
            }
        }
        return total;
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new HashMap<>();
        if (text != null) {
            Matcher label = LABEL.matcher(text);
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
        }
        return labels;
    }
}
