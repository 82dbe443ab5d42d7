package dev.verity.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.contract.Tier;
import dev.verity.contract.UserContext;
import dev.verity.gateway.routing.RequestContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What waiting users are told as a long queue drains: enough to follow, never one event per step each. */
class GateTest {

    @Test
    void aDrainingQueueTellsEachWaiterLogarithmicallyManyMovesAndEveryStepNearTheFront() {
        Gate gate = new Gate("completions", 1, 1000);
        assertThat(gate.enter(ctx("running"))).isInstanceOf(Gate.Admitted.class);
        for (int i = 0; i < 256; i++) {
            assertThat(gate.enter(ctx("waiter-" + i))).isInstanceOf(Gate.Queued.class);
        }
        Map<String, List<Integer>> told = new HashMap<>();
        int events = 0;
        while (gate.queued() > 0) {
            gate.release();
            for (Gate.Move move : gate.moves()) {
                told.computeIfAbsent(move.waiter().ctx.requestId(), id -> new ArrayList<>()).add(move.position());
                events++;
            }
        }

        // The last waiter started at 256: halvings, then every step from 5 down to 1.
        assertThat(told.get("waiter-255")).containsExactly(128, 64, 32, 16, 8, 5, 4, 3, 2, 1);
        // Reporting every step would have sent 256 * 255 / 2 = 32,640 events.
        assertThat(events).isLessThan(256 * 12);
        assertThat(told.get("waiter-1")).containsExactly(1);
    }

    @Test
    void aWaiterPushedBackByAHigherTierIsToldAtOnce() {
        Gate gate = new Gate("completions", 1, 10);
        gate.enter(ctx("running"));
        gate.enter(ctx("free-1", Tier.FREE));
        gate.enter(ctx("enterprise-1", Tier.ENTERPRISE));

        List<Gate.Move> moves = gate.moves();

        assertThat(moves).singleElement().satisfies(move -> {
            assertThat(move.waiter().ctx.requestId()).isEqualTo("free-1");
            assertThat(move.position()).isEqualTo(2);
        });
    }

    private static RequestContext ctx(String requestId) {
        return ctx(requestId, Tier.MID);
    }

    private static RequestContext ctx(String requestId, Tier tier) {
        return new RequestContext(new UserContext("u-" + requestId, "org-1", tier, null, null), "token", requestId,
                Instant.now().plusSeconds(60));
    }
}
