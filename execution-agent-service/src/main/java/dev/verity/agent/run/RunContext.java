package dev.verity.agent.run;

import dev.verity.agent.client.CallContext;
import dev.verity.contract.UserContext;

/**
 * Who a run is for and what its internal calls carry. Built from the verified token only.
 * {@code callerLogsFailure}: the caller asked ({@code X-Verity-Failure-Event: caller}) to log and
 * publish the run's {@code agent_failed} itself, after adding tier handling.
 */
public record RunContext(UserContext user, CallContext call, boolean callerLogsFailure) {

    public RunContext(UserContext user, CallContext call) {
        this(user, call, false);
    }

    public String requestId() {
        return call.requestId();
    }
}
