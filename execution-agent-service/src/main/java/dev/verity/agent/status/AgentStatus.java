package dev.verity.agent.status;

import dev.verity.agent.client.CascadeClient;
import dev.verity.agent.client.DataAgentClient;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ServiceState;
import dev.verity.contract.Services;
import dev.verity.runtime.status.StatusDecision;
import dev.verity.runtime.status.Verdict;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.TreeMap;

/**
 * The execution agent's capability status (DESIGN §9), including the cascade's and the data
 * agent's own status as components. Without the cascade no run can answer, so the agent is
 * unavailable; without the data agent runs still answer, but tools fail, so the agent is degraded.
 */
@ApplicationScoped
public class AgentStatus implements StatusDecision {

    private final CascadeClient cascade;
    private final DataAgentClient data;

    public AgentStatus(CascadeClient cascade, DataAgentClient data) {
        this.cascade = cascade;
        this.data = data;
    }

    @Override
    public String initializing() {
        return "checking dependencies";
    }

    @Override
    public Uni<Verdict> decide(Uni<ComponentStatus> redis) {
        return Uni.combine().all().unis(redis, cascade.status(), data.status()).with(this::verdict);
    }

    private Verdict verdict(ComponentStatus cache, ComponentStatus llm, ComponentStatus tools) {
        Map<String, ComponentStatus> components = new TreeMap<>();
        components.put("redis", cache);
        components.put(Services.LLM_CASCADE, llm);
        components.put(Services.DATA_AGENT, tools);
        String llmState = llm.state();
        if (is(llmState, ServiceState.UNAVAILABLE)) {
            return new Verdict(ServiceState.UNAVAILABLE, "llm-cascade unavailable: runs cannot reach a model", components);
        }
        if (is(llmState, ServiceState.INITIALIZING)) {
            return new Verdict(ServiceState.INITIALIZING, "llm-cascade is initializing", components);
        }
        if (is(llmState, ServiceState.DEGRADED)) {
            return new Verdict(ServiceState.DEGRADED, "llm-cascade degraded: answers may come from lower-preference models", components);
        }
        if (!is(tools.state(), ServiceState.READY)) {
            return new Verdict(ServiceState.DEGRADED, "data-agent " + tools.state() + ": tools may fail", components);
        }
        if (!cache.isUp()) {
            return new Verdict(ServiceState.DEGRADED, "Redis unreachable: status changes are not published", components);
        }
        return new Verdict(ServiceState.READY, null, components);
    }

    private static boolean is(String state, ServiceState expected) {
        return expected.wire().equals(state);
    }
}
