package dev.verity.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** {@code p1-latency.png}: P1 p50 and p99 against the offered rate, per target; {@code p9-warm-up.png}: P9's curves. */
final class Plot {

    private Plot() {
    }

    static Path p1(Path out, Map<String, Map<Integer, double[]>> curves) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, Map<Integer, double[]>> target : curves.entrySet()) {
            XYSeries p50 = new XYSeries(target.getKey() + " p50");
            XYSeries p99 = new XYSeries(target.getKey() + " p99");
            target.getValue().forEach((rate, values) -> {
                p50.add(rate.doubleValue(), values[0]);
                p99.add(rate.doubleValue(), values[1]);
            });
            data.addSeries(p50);
            data.addSeries(p99);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("P1 OpenAI path: latency vs constant rate",
                "offered rate (requests/s)", "latency (ms, from intended send time)", data, PlotOrientation.VERTICAL,
                true, false, false);
        // Log scale: the baselines sit around 10 ms, Verity's figures may be hundreds of times that.
        LogAxis latency = new LogAxis("latency (ms, log scale, from intended send time; good answers only)");
        latency.setSmallestValue(1);
        chart.getXYPlot().setRangeAxis(latency);
        Path file = out.resolve("p1-latency.png");
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 560);
        return file;
    }

    /** Answers per second per window against seconds since ready, one series per variant; points are {end s, rate, p99}. */
    static Path warmUp(Path out, Map<String, double[][]> curves) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        curves.forEach((label, points) -> {
            XYSeries rate = new XYSeries(label);
            for (double[] point : points) {
                rate.add(point[0], point[1]);
            }
            data.addSeries(rate);
        });
        JFreeChart chart = ChartFactory.createXYLineChart("P9 warm-up: fresh stack at a fixed offered rate",
                "seconds since all four services reported ready (window end)", "good answers per second (window)",
                data, PlotOrientation.VERTICAL, true, false, false);
        Path file = out.resolve("p9-warm-up.png");
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 560);
        return file;
    }
}
