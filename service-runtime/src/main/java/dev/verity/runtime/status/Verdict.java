package dev.verity.runtime.status;

import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ServiceState;
import java.util.Map;

/** What a service's {@link StatusDecision} concludes from its checks; {@link StatusReporter} dates and publishes it. */
public record Verdict(ServiceState state, String reason, Map<String, ComponentStatus> components) {
}
