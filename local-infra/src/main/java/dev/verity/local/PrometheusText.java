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
            line = line.strip();
            if (line.startsWith("#") || !line.startsWith(metric)) {
                continue;
            }
            int end = metric.length();
            String labelText = null;
            if (end < line.length() && line.charAt(end) == '{') {
                int close = closingBrace(line, end);
                labelText = line.substring(end + 1, close);
                end = close + 1;
            }
            if (end >= line.length() || line.charAt(end) != ' ') {
                continue; // another metric whose name starts with this one
            }
            // The value, then an optional timestamp and, with tracing on, an exemplar ("# {trace_id=…} 1.0").
            String value = line.substring(end + 1).strip().split("\\s+")[0];
            if (labels(labelText).entrySet().containsAll(labels.entrySet())) {
                total = total.add(new BigDecimal(value));
            }
        }
        return total;
    }

    /** The index of the brace closing the label set opened at {@code open}, quoted values skipped. */
    private static int closingBrace(String line, int open) {
        boolean quoted = false;
        for (int i = open + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '}' && !quoted) {
                return i;
            }
        }
        throw new IllegalArgumentException("unterminated labels: " + line);
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
