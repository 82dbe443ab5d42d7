package dev.verity.gateway.admission;

import dev.verity.contract.Tier;
import dev.verity.gateway.routing.RequestContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * In-flight limit and priority queue of one route. Waiters are ordered by tier (enterprise, mid,
 * early, free) and by arrival within a tier; every state change happens under this object's
 * lock, so a reported position is where the request really waits.
 */
final class Gate {

    private static final Comparator<Waiter> ORDER = Comparator.<Waiter>comparingInt(w -> w.tier.priority())
            .thenComparingLong(w -> w.sequence);

    /** From this position on, every step forward is reported. */
    static final int EVERY_STEP_FROM = 5;

    private final String route;
    private final int maxInFlight;
    private final int maxQueue;
    private final List<Waiter> queue = new ArrayList<>();
    private int inFlight;
    private long arrivals;

    Gate(String route, int maxInFlight, int maxQueue) {
        this.route = route;
        this.maxInFlight = Math.max(1, maxInFlight);
        this.maxQueue = Math.max(0, maxQueue);
    }

    String route() {
        return route;
    }

    sealed interface Entry {
    }

    record Admitted() implements Entry {
    }

    record Queued(Waiter waiter, int position) implements Entry {
    }

    record Full() implements Entry {
    }

    static final class Waiter {
        final RequestContext ctx;
        final Tier tier;
        final long sequence;
        final CompletableFuture<Void> admitted = new CompletableFuture<>();
        int lastReportedPosition;

        Waiter(RequestContext ctx, long sequence) {
            this.ctx = ctx;
            this.tier = ctx.user().tier();
            this.sequence = sequence;
        }
    }

    /** A position change to report: the waiter and its new position. */
    record Move(Waiter waiter, int position, int queueLength) {
    }

    synchronized Entry enter(RequestContext ctx) {
        if (inFlight < maxInFlight && queue.isEmpty()) {
            inFlight++;
            return new Admitted();
        }
        if (queue.size() >= maxQueue) {
            return new Full();
        }
        Waiter waiter = new Waiter(ctx, arrivals++);
        int index = insertionPoint(waiter);
        queue.add(index, waiter);
        waiter.lastReportedPosition = index + 1;
        return new Queued(waiter, index + 1);
    }

    /** Frees a slot and admits waiters in order while there is room; returns the admitted ones. */
    synchronized List<Waiter> release() {
        inFlight--;
        List<Waiter> admitted = new ArrayList<>();
        while (inFlight < maxInFlight && !queue.isEmpty()) {
            admitted.add(queue.remove(0));
            inFlight++;
        }
        return admitted;
    }

    /**
     * Removes a waiter that gives up (deadline, caller gone). False when it was admitted in the
     * meantime: then it holds a slot and must run or release it.
     */
    synchronized boolean abandon(Waiter waiter) {
        return queue.remove(waiter);
    }

    /**
     * Waiters whose move is worth telling: their position at least halved since it was last
     * reported, they are among the last {@value #EVERY_STEP_FROM} before a slot, or they were pushed
     * back (a higher tier arrived). Reporting every
     * step made each release send one event per waiter — quadratic in the queue length, which
     * under load (bench P1) filled the heap with pending event-log writes until the gateway ran
     * out of memory. This way a waiter hears O(log queue) updates and every step near the front.
     */
    synchronized List<Move> moves() {
        List<Move> moves = new ArrayList<>();
        for (int i = 0; i < queue.size(); i++) {
            Waiter waiter = queue.get(i);
            int position = i + 1;
            int last = waiter.lastReportedPosition;
            boolean worthTelling = position > last || position <= EVERY_STEP_FROM || position <= last / 2;
            if (position != last && worthTelling) {
                waiter.lastReportedPosition = i + 1;
                moves.add(new Move(waiter, i + 1, queue.size()));
            }
        }
        return moves;
    }

    /** Where a new request of this tier would wait now: 1 + everyone at the same or a higher tier. */
    synchronized int positionFor(Tier tier) {
        return 1 + (int) queue.stream().filter(w -> w.tier.priority() <= tier.priority()).count();
    }

    synchronized int queued() {
        return queue.size();
    }

    synchronized int inFlight() {
        return inFlight;
    }

    private int insertionPoint(Waiter waiter) {
        int index = 0;
        while (index < queue.size() && ORDER.compare(queue.get(index), waiter) < 0) {
            index++;
        }
        return index;
    }
}
