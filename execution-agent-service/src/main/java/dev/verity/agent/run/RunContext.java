package dev.verity.agent.run;

import dev.verity.agent.client.CallContext;
import dev.verity.contract.UserContext;

/** Who a run is for and what its internal calls carry. Built from the verified token only. */
public record RunContext(UserContext user, CallContext call) {

    public String requestId() {
        return call.requestId();
    }
}
