package dev.verity.bench;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * P3: agent runs (client → gateway → agent → cascade → provider) at a constant rate, each user
 * with a WebSocket open that receives the run's events, against the provider called directly at
 * the same rate. Added p99 is the run's p99 minus the direct call's, per repetition.
 */
final class AgentRuns implements Scenario {

    private static final Buffer RUN = Buffer.buffer("{\"message\":\"How fast were my calls today?\"}");

    @Override
    public String id() {
        return "P3";
    }

    @Override
    public void run(BenchRun run) {
        int users = run.profile.p3Users();
        int rate = run.profile.p3Rate();
        List<LoadResult> direct = new ArrayList<>();
        List<LoadResult> verity = new ArrayList<>();
        long completedEvents;
        try (Sockets sockets = new Sockets(run.vertx, run.stack.gateway())) {
            sockets.openUpTo(users, run::token, 100);
            String url = run.stack.gateway() + "/api/v1/chat";
            OpenLoad.Call runs = new OpenLoad.Call() {
                private long next;

                @Override
                public io.vertx.core.Future<Boolean> get() {
                    return run.http.post(url, run.token(next++ % users), RUN).map(reply -> reply.status() == 200);
                }
            };
            for (int rep = 1; rep <= run.profile.repetitions(); rep++) {
                direct.add(run.measure("direct", rate, run.completions(run.directUrl(), false), "p3-direct-rep" + rep));
                verity.add(run.measure("verity", rate, runs, "p3-verity-rep" + rep));
            }
            completedEvents = sockets.listeners().stream()
                    .mapToLong(l -> l.events.stream().filter(e -> "agent_completed".equals(e.event().getString("type"))).count())
                    .sum();
        }
        Summary added = OpenAiLatency.added(verity, direct, 99);
        Row row = Row.of("P3 agent run p99 @ " + rate + " runs/s (" + users + " users, a socket each)", "provider direct",
                Summary.of(direct.stream().map(LoadResult::p99).toList()), Summary.of(verity.stream().map(LoadResult::p99).toList()),
                " ms", added, "added ≤ 5 ms", added.median() <= 5, Integer.toString(verity.size()));
        run.rows.add(OpenAiLatency.withErrors(row, OpenAiLatency.errors(verity)
                + " — sockets received " + completedEvents + " agent_completed events (warm-up included)"));
    }
}
