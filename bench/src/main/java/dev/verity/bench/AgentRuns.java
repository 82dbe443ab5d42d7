package dev.verity.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * P3: agent runs (client → gateway → agent → cascade → provider) at a constant rate, each user
 * with a WebSocket open that receives the run's events, against the provider called directly at
 * the same rate. Added p99 is the run's p99 minus the direct call's, per repetition. Every run
 * whose reply named its {@code request_id} is then looked up on its user's socket: the row says
 * how many ended there with exactly one terminal event ({@code agent_completed} or
 * {@code agent_failed}), with none, or with more than one.
 */
final class AgentRuns implements Scenario {

    private static final Buffer RUN = Buffer.buffer("{\"message\":\"How fast were my calls today?\"}");
    /** How long the sockets may lag behind the last reply before a missing terminal event counts as missing. */
    private static final Duration SETTLE = Duration.ofSeconds(30);

    /** How the runs ended on their users' sockets. */
    record Terminals(long exactlyOne, long none, long several, long answered) {
        String describe(long sent) {
            return String.format(java.util.Locale.ROOT,
                    "%d of %d runs answered 200 ended with exactly one terminal event on the user's socket (%d with none,"
                            + " %d with more than one; %d runs sent, warm-up included)",
                    exactlyOne, answered, none, several, sent);
        }
    }

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
        Map<String, Integer> userOfRun = new ConcurrentHashMap<>();
        long[] sent = {0};
        Terminals terminals;
        try (Sockets sockets = new Sockets(run.vertx, run.stack.gateway())) {
            sockets.openUpTo(users, run::token, 100);
            String url = run.stack.gateway() + "/api/v1/chat";
            OpenLoad.Call runs = () -> {
                int user = (int) (sent[0]++ % users);
                return ErrorCauses.counted(run.http.post(url, run.token(user), RUN)
                        .onSuccess(reply -> remember(reply, user, userOfRun)));
            };
            for (int rep = 1; rep <= run.profile.repetitions(); rep++) {
                direct.add(run.measure("direct", rate, run.completions(run.directUrl(), false), "p3-direct-rep" + rep));
                verity.add(run.measure("verity", rate, runs, "p3-verity-rep" + rep));
            }
            terminals = settle(sockets, userOfRun);
        }
        Summary added = OpenAiLatency.added(verity, direct, 99);
        Row row = Row.of("P3 agent run p99 @ " + rate + " runs/s (" + users + " users, a socket each)", "provider direct",
                Summary.of(direct.stream().map(LoadResult::p99).toList()), Summary.of(verity.stream().map(LoadResult::p99).toList()),
                " ms", added, "0 errors, added ≤ 20 ms",
                added.median() <= 20 && verity.stream().allMatch(result -> result.errors() == 0), Integer.toString(verity.size()));
        run.rows.add(OpenAiLatency.withErrors(row, OpenAiLatency.errors(verity)));
        boolean allOnce = terminals.answered() > 0 && terminals.exactlyOne() == terminals.answered();
        run.rows.add(new Row("P3 runs with exactly one terminal event on the user's socket", "—", "—",
                terminals.describe(sent[0]), "—", "—", "every run", allOnce ? "met" : "**not met**",
                Integer.toString(verity.size()), Machine.load()));
    }

    /**
     * A run answered 200 ran in the agent, so it must have ended on the socket too. A refusal before
     * the agent (admission, readiness) never started a run and has no terminal event to look for; it
     * is an error of the row above.
     */
    private static void remember(Http.Reply reply, int user, Map<String, Integer> userOfRun) {
        if (reply.status() != 200) {
            return;
        }
        try {
            String id = new JsonObject(reply.body()).getString("request_id");
            if (id != null) {
                userOfRun.put(id, user);
            }
        } catch (RuntimeException notJson) {
            // A reply without a readable id is counted as such in the row.
        }
    }

    private static Terminals settle(Sockets sockets, Map<String, Integer> userOfRun) {
        Instant deadline = Instant.now().plus(SETTLE);
        Terminals counted = count(sockets, userOfRun);
        while (counted.none() > 0 && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            counted = count(sockets, userOfRun);
        }
        return counted;
    }

    private static Terminals count(Sockets sockets, Map<String, Integer> userOfRun) {
        // Socket i belongs to user i: a terminal event counts only on the socket of the run's own user.
        Map<String, Integer> terminalsByRun = new java.util.HashMap<>();
        List<Sockets.Listener> listeners = sockets.listeners();
        for (int user = 0; user < listeners.size(); user++) {
            for (Sockets.Received received : listeners.get(user).events) {
                JsonObject event = received.event();
                String type = event.getString("type");
                if ("agent_completed".equals(type) || "agent_failed".equals(type)) {
                    String id = event.getString("request_id");
                    if (id != null) {
                        terminalsByRun.merge(id + '|' + user, 1, Integer::sum);
                    }
                }
            }
        }
        long one = 0;
        long none = 0;
        long several = 0;
        for (Map.Entry<String, Integer> run : userOfRun.entrySet()) {
            int n = terminalsByRun.getOrDefault(run.getKey() + '|' + run.getValue(), 0);
            if (n == 1) {
                one++;
            } else if (n == 0) {
                none++;
            } else {
                several++;
            }
        }
        return new Terminals(one, none, several, userOfRun.size());
    }
}
