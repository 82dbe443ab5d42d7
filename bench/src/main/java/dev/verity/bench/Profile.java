package dev.verity.bench;

import java.time.Duration;
import java.util.List;

/**
 * How big a bench run is. {@code full} is what the README's command runs (under 30 minutes on 2
 * cores); {@code smoke} runs every scenario at tiny scale for CI and proves only that each one
 * still produces numbers.
 */
record Profile(String name,
               long providerLatencyMs,
               int repetitions,
               Duration warmUp,
               Duration measure,
               List<Integer> p1Rates,
               List<Integer> p2Rates,
               int p3Rate,
               int p3Users,
               int p4Rate,
               List<Integer> p5Sockets,
               int p7Sockets,
               int p6Restarts,
               int p8Streams,
               ProviderStandIn.StreamPacing p8Pacing,
               WarmUpCurve warmUpCurve) {

    /** P9: a fixed offered rate measured in consecutive windows from the moment the fresh stack is ready. */
    record WarmUpCurve(int rate, Duration window, int windows) {
    }

    static Profile full() {
        return new Profile("full", 10, 3, Duration.ofSeconds(3), Duration.ofSeconds(8),
                List.of(100, 500, 1000),
                List.of(25, 50, 100, 250, 500, 750, 1000, 1500, 2000, 3000, 4000),
                200, 100, 100,
                List.of(1000, 5000, 10_000, 20_000),
                100, 2,
                // A short answer as a fast provider streams it: first token after 50 ms, 16 tokens 30 ms apart.
                100, new ProviderStandIn.StreamPacing(BenchStack.PACED, 50, 16, 30),
                // Two minutes in 10 s windows, at a rate the warm stack holds on this machine (P1's middle one).
                new WarmUpCurve(500, Duration.ofSeconds(10), 12));
    }

    static Profile smoke() {
        return new Profile("smoke", 10, 1, Duration.ofMillis(500), Duration.ofSeconds(1),
                List.of(20),
                List.of(20, 40),
                5, 3, 5,
                List.of(10),
                5, 0,
                5, new ProviderStandIn.StreamPacing(BenchStack.PACED, 10, 4, 5),
                new WarmUpCurve(20, Duration.ofSeconds(1), 2));
    }

    /** A shorter profile for profiling runs: fewer repetitions and only some P1 rates ({@code --reps}, {@code --rates}). */
    Profile narrowed(int reps, List<Integer> rates) {
        return new Profile(name, providerLatencyMs, reps, warmUp, measure, rates, p2Rates, p3Rate, p3Users, p4Rate,
                p5Sockets, p7Sockets, p6Restarts, p8Streams, p8Pacing, warmUpCurve);
    }

    Profile withStreams(int streams) {
        return new Profile(name, providerLatencyMs, repetitions, warmUp, measure, p1Rates, p2Rates, p3Rate, p3Users, p4Rate,
                p5Sockets, p7Sockets, p6Restarts, streams, p8Pacing, warmUpCurve);
    }

    boolean isSmoke() {
        return "smoke".equals(name);
    }
}
