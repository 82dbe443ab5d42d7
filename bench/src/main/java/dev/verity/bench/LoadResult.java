package dev.verity.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;

/** What one constant-rate run measured. Latencies of good answers only; errors are counted. */
record LoadResult(String target, double rate, long sent, long ok, long errors, Histogram latencies, long sentInNanos) {

    /** A percentile in milliseconds. */
    double ms(double percentile) {
        return latencies.getTotalCount() == 0 ? Double.NaN : latencies.getValueAtPercentile(percentile) / 1000.0;
    }

    double p50() {
        return ms(50);
    }

    double p99() {
        return ms(99);
    }

    /** The rate the generator really kept up (it should equal {@link #rate()}). */
    double sentRate() {
        return sent * 1e9 / Math.max(1, sentInNanos);
    }

    /** The raw histogram as HdrHistogram's percentile distribution text (milliseconds). */
    void write(Path file) throws IOException {
        write(file, "");
    }

    /** With the errors' causes ({@link ErrorCauses}) on a second header line when there were any. */
    void write(Path file, String errorCauses) throws IOException {
        Files.createDirectories(file.getParent());
        try (PrintStream out = new PrintStream(Files.newOutputStream(file))) {
            out.printf("# %s at %.0f/s: sent %d, ok %d, errors %d, sent at %.1f/s%n", target, rate, sent, ok, errors, sentRate());
            if (!errorCauses.isEmpty()) {
                out.println("# errors by cause: " + errorCauses);
            }
            latencies.outputPercentileDistribution(out, 1000.0);
        }
    }
}
