package dev.verity.agent.client;

/** A downstream call was still unanswered when the run's deadline arrived. */
public class DeadlineExceeded extends RuntimeException {

    public DeadlineExceeded(String what) {
        super(what + " did not answer before the deadline", null, false, false);
    }
}
