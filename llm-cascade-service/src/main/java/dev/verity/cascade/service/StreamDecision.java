package dev.verity.cascade.service;

import dev.verity.contract.Headers;
import java.util.Locale;
import java.util.Optional;

/**
 * How a streamed request meets the cascade's quality decision. Every streamed answer is scored
 * when it ends; what differs is what a low score may still change once bytes are out.
 */
public enum StreamDecision {

    /**
     * The OpenAI rule, the default: the first model in cascade order to start streaming answers, and
     * once its bytes reach the caller no other model may continue the stream. Its score is in the
     * provenance; a score below the threshold marks the answer degraded.
     */
    LIVE,

    /**
     * For callers that read Verity's own events (the execution agent): the answer streams live; when
     * it scores below the threshold and another model can start, a {@code verity.attempt.superseded}
     * event says so and the next model's chunks follow. Asked for with
     * {@code x-verity-stream-escalation: announce}.
     */
    ANNOUNCED,

    /**
     * Each attempt is held until it is scored, and only the accepted one is released, so the stream
     * carries the cascade's decision exactly as a plain call does. Asked for with
     * {@code x-verity-hold-stream: scored}.
     */
    HELD;

    /** The decision the headers ask for; empty (a bad request) for a value neither header knows. */
    public static Optional<StreamDecision> of(String hold, String escalation) {
        boolean held = present(hold);
        boolean announced = present(escalation);
        if (held && !Headers.HOLD_STREAM_SCORED.equals(hold.strip().toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        if (announced && !Headers.STREAM_ESCALATION_ANNOUNCE.equals(escalation.strip().toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        if (held && announced) {
            return Optional.empty();
        }
        return Optional.of(held ? HELD : announced ? ANNOUNCED : LIVE);
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }
}
