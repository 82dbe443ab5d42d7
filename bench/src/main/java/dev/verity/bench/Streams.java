package dev.verity.bench;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * P8: streamed completions, 100 in flight (closed loop, {@link StreamLoad}), through
 * gateway → cascade → provider against the provider's own stream called directly, the two
 * interleaved within each repetition. Measured per stream from the send: the first chunk with
 * content (time to first token) and the last byte. The stand-in paces the stream as a provider
 * does ({@link ProviderStandIn.StreamPacing}), so the direct figures are that pacing plus the
 * client's own cost, and "added" is what Verity puts on top, per repetition.
 */
final class Streams implements Scenario {

    private static final Buffer STREAM = Buffer.buffer("{\"model\":\"" + BenchStack.PACED + "\",\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"How fast were my calls today?\"}]}");

    @Override
    public String id() {
        return "P8";
    }

    @Override
    public void run(BenchRun run) {
        int clients = run.profile.p8Streams();
        String direct = run.provider.baseUrl(BenchStack.PACED) + "/chat/completions";
        List<StreamLoad.Result> directResults = new ArrayList<>();
        List<StreamLoad.Result> verityResults = new ArrayList<>();
        for (int rep = 1; rep <= run.profile.repetitions(); rep++) {
            directResults.add(measure(run, "direct", clients, direct, false, "p8-direct-rep" + rep));
            verityResults.add(measure(run, "verity", clients, run.gatewayCompletions(), true, "p8-verity-rep" + rep));
        }
        String reps = Integer.toString(verityResults.size());
        String at = " @ " + clients + " concurrent streams";
        addRows(run, "P8 time to first token", at, directResults, verityResults, StreamLoad.Result::firstContent, reps);
        addRows(run, "P8 time to last byte", at, directResults, verityResults, StreamLoad.Result::lastByte, reps);
        run.rows.add(Row.of("P8 streams completed per second" + at, "provider stream direct",
                Summary.of(directResults.stream().map(StreamLoad.Result::streamsPerSecond).toList()),
                Summary.of(verityResults.stream().map(StreamLoad.Result::streamsPerSecond).toList()), " /s", null, "—", null, reps));
    }

    private static void addRows(BenchRun run, String what, String at, List<StreamLoad.Result> direct,
                                List<StreamLoad.Result> verity, Function<StreamLoad.Result, LoadResult> figure, String reps) {
        List<LoadResult> directFigures = direct.stream().map(figure).toList();
        List<LoadResult> verityFigures = verity.stream().map(figure).toList();
        for (double pct : new double[] {50, 99}) {
            Row row = Row.of(what + String.format(Locale.ROOT, " p%.0f", pct) + at, "provider stream direct",
                    Summary.of(directFigures.stream().map(r -> r.ms(pct)).toList()),
                    Summary.of(verityFigures.stream().map(r -> r.ms(pct)).toList()), " ms",
                    OpenAiLatency.added(verityFigures, directFigures, pct), "—", null, reps);
            run.rows.add(OpenAiLatency.withErrors(row, OpenAiLatency.errors(verityFigures)));
        }
    }

    private static StreamLoad.Result measure(BenchRun run, String name, int clients, String url, boolean authenticated,
                                             String rawName) {
        long[] next = {0};
        java.util.function.Supplier<io.vertx.core.Future<Http.StreamTiming>> stream =
                () -> run.http.stream(url, authenticated ? run.token(next[0]++) : null, STREAM);
        if (!run.profile.warmUp().isZero()) {
            StreamLoad.run("warm-up", clients, run.profile.warmUp(), stream);
        }
        StreamLoad.Result result = StreamLoad.run(name, clients, run.profile.measure(), stream);
        try {
            result.firstContent().write(run.raw.resolve(rawName + "-first-token.hgrm"));
            result.lastByte().write(run.raw.resolve(rawName + "-last-byte.hgrm"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }
}
