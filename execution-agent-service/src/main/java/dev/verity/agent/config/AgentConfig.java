package dev.verity.agent.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How a run behaves. */
@ConfigMapping(prefix = "verity.agent")
public interface AgentConfig {

    /** The model asked of the cascade: {@code auto} lets the cascade choose by tier and quality. */
    @WithDefault("auto")
    String model();

    /** Most cascade calls one run may make; a run that still wants tools after that fails with agent_timeout. */
    @WithDefault("6")
    int maxSteps();

    /** Budget of a run whose caller sent no {@code X-Request-Deadline}. */
    @WithDefault("60s")
    Duration defaultBudget();

    /** What a failed tool call does to the run. */
    @WithDefault("report-to-model")
    ToolFailureMode toolFailure();

    /**
     * Most model turns streaming from the llm-cascade at once; each holds one connection for the
     * whole answer, further turns wait for a free one (within their deadline).
     */
    @WithDefault("50")
    int cascadeMaxConnections();

    Limits limits();

    CascadeRetry cascadeRetry();

    interface Limits {
        @WithDefault("32000")
        int messageChars();

        @WithDefault("50")
        int historyTurns();
    }

    /** The single bounded retry of a retryable cascade problem. */
    interface CascadeRetry {
        @WithDefault("true")
        boolean enabled();

        /** Longest {@code retry_after_seconds} the run is willing to wait before its one retry. */
        @WithDefault("2s")
        Duration maxWait();
    }

    enum ToolFailureMode {
        /** The model receives a tool message saying what failed and decides how to answer honestly. */
        REPORT_TO_MODEL,
        /** The run ends with {@code tool_failed}. */
        FAIL_RUN
    }
}
