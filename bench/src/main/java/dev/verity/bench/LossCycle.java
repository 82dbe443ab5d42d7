package dev.verity.bench;

import dev.verity.local.PackagedStack;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One real status transition seen by every open socket: the data agent is killed (SIGKILL), the
 * gateway notices and tells every socket {@code service_unavailable}; it is started again and the
 * sockets get {@code service_ready}. Per socket it records the delay from the kill, from the
 * restarted process being ready, and from the event's own timestamp (the gateway's fan-out).
 */
final class LossCycle {

    static final String SERVICE = "data-agent";

    /** Delays in milliseconds, one value per socket that received the event. */
    record Delays(List<Double> unavailableAfterKill, List<Double> unavailableFanOut,
                  List<Double> readyAfterProcessReady, List<Double> readyFanOut, int sockets, Duration restartedIn) {
    }

    private LossCycle() {
    }

    static Delays run(BenchRun run, Sockets sockets, Duration wait) {
        sockets.clearEvents();
        Predicate<JsonObject> unavailable = event("service_unavailable");
        Predicate<JsonObject> ready = event("service_ready");
        long killedAt = System.nanoTime();
        run.stack.service(PackagedStack.DATA).kill();
        awaitAll(sockets, unavailable, wait);
        long launched = System.nanoTime();
        Duration restartedIn = run.stack.services().startAgain(PackagedStack.DATA, Duration.ofMinutes(2));
        long readyAt = launched + restartedIn.toNanos();
        awaitAll(sockets, ready, wait);
        List<Double> unavailableAfterKill = new ArrayList<>();
        List<Double> unavailableFanOut = new ArrayList<>();
        List<Double> readyAfter = new ArrayList<>();
        List<Double> readyFanOut = new ArrayList<>();
        for (Sockets.Listener listener : sockets.listeners()) {
            Sockets.Received down = listener.first(unavailable);
            if (down != null) {
                unavailableAfterKill.add((down.receivedNanos() - killedAt) / 1e6);
                unavailableFanOut.add(fanOut(down));
            }
            Sockets.Received up = listener.first(ready);
            if (up != null) {
                readyAfter.add((up.receivedNanos() - readyAt) / 1e6);
                readyFanOut.add(fanOut(up));
            }
        }
        return new Delays(unavailableAfterKill, unavailableFanOut, readyAfter, readyFanOut, sockets.size(), restartedIn);
    }

    private static Predicate<JsonObject> event(String type) {
        return event -> type.equals(event.getString("type")) && event.getJsonObject("data") != null
                && SERVICE.equals(event.getJsonObject("data").getString("service"));
    }

    /** Receive time minus the timestamp the gateway gave the event when it made it. */
    private static double fanOut(Sockets.Received received) {
        Instant made = Instant.parse(received.event().getString("timestamp"));
        return Duration.between(made, received.receivedAt()).toNanos() / 1e6;
    }

    private static void awaitAll(Sockets sockets, Predicate<JsonObject> match, Duration wait) {
        Instant deadline = Instant.now().plus(wait);
        while (sockets.countReceived(match) < sockets.size() && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
