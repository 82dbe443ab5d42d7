package dev.verity.agent.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.agent.client.CascadeClient;
import dev.verity.agent.client.CascadeReply;
import dev.verity.agent.client.DeadlineExceeded;
import dev.verity.agent.client.ModelTurn;
import dev.verity.agent.client.Superseded;
import dev.verity.agent.client.TextDelta;
import dev.verity.agent.client.ToolCall;
import dev.verity.agent.client.ToolOutcome;
import dev.verity.agent.config.AgentConfig;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.Problem;
import dev.verity.contract.Provenance;
import dev.verity.contract.Services;
import io.quarkus.logging.Log;
import dev.verity.agent.events.EventLog;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An agent run: the cascade is asked with the tool definitions, the tools it calls are
 * executed for real through the data agent, their results (or their real failures) go back to the
 * model, until the model answers, the step limit is reached or the deadline passes. The events
 * describe exactly what happened and end with one terminal event: each model call announces
 * itself with one agent_thinking event, and the text it streams follows as agent_thinking deltas
 * (with the cascade's {@code attempt} and the {@code model} streaming it); when the cascade scores
 * an attempt below its threshold after it streamed, an agent_thinking event with
 * {@code superseded: {attempt, model, reason}} says that attempt's text is replaced, before the
 * next tier's deltas. Only a turn the cascade completed (with [DONE] and provenance) becomes the answer. A run goes on
 * to its own end when the caller that started it leaves (see {@link #run}).
 */
@ApplicationScoped
public class RunService {

    private static final String SYSTEM_PROMPT = """
            You are Verity's analytics assistant for the caller's organisation. Answer questions about \
            the organisation's LLM usage (latency, throughput, error rate, tokens, cost) with the tools \
            query_metrics and cost_analysis, which return the organisation's real recorded data. Never \
            state a figure that no tool returned. When a tool reports a failure, tell the user what could \
            not be retrieved and why, instead of estimating. The current time is %s.""";

    private final CascadeClient cascade;
    private final Tools tools;
    private final AgentConfig config;
    private final ObjectMapper json;

    private final EventLog eventLog;

    public RunService(CascadeClient cascade, Tools tools, AgentConfig config, ObjectMapper json, EventLog eventLog) {
        this.eventLog = eventLog;
        this.cascade = cascade;
        this.tools = tools;
        this.config = config;
        this.json = json;
    }

    /**
     * Starts the run and returns its events for the caller. Each event is appended to the user's
     * event log (which gives it its {@code event_id}) and published to every gateway replica, in
     * order, before the caller sees it.
     *
     * <p>A run belongs to its user, not to the connection that started it (every run
     * ends with exactly one terminal event, and a user who resumes later must learn how it
     * ended). So the run is driven by a subscription of its own, made here, and logs every event
     * whether or not anyone is listening; the caller only attaches to a replay of the logged
     * events, so leaving stops the relay to that caller and nothing else. What bounds the run is
     * its deadline: every downstream call, including a streaming model turn, is given up (and its
     * connection closed) when it passes, and the run then ends with agent_timeout.
     *
     * <p>The replay, rather than a broadcast, because the caller subscribes only after this
     * method returns (when the HTTP layer writes the response): a broadcast would lose the events
     * emitted in between, agent_started first of all. It keeps this run's events only, for as long
     * as something references it: the driving subscription until the run ends, the caller's until
     * the response is written; after that nothing holds it. Logging happens before the replay, so
     * each event is logged once however many callers attach.
     *
     * <p>One exception: a caller that logs the run's {@code agent_failed} itself
     * ({@link RunContext#callerLogsFailure()}, the gateway adding tier handling first) gets it
     * without {@code event_id}, unlogged, so no replica shows it without tier handling. If that
     * caller has left by then, nobody else would log it, so the agent does, as it would otherwise.
     */
    public Multi<Event> run(RunRequest request, RunContext context) {
        AtomicBoolean callerLeft = new AtomicBoolean();
        Multi<Event> logged = Multi.createBy().replaying()
                .ofMulti(events(request, context).onItem().transformToUniAndConcatenate(event ->
                        context.callerLogsFailure() && event.type() == EventType.AGENT_FAILED && !callerLeft.get()
                                ? Uni.createFrom().item(event)
                                : eventLog.append(event)));
        logged.subscribe().with(
                event -> {
                },
                failure -> Log.errorf(failure, "request %s: run events could not be logged", context.requestId()));
        return logged.onCancellation().invoke(() -> callerLeft.set(true));
    }

    private Multi<Event> events(RunRequest request, RunContext context) {
        return Multi.createFrom().emitter(emitter -> {
            RunEvents events = new RunEvents(emitter, context.requestId(), context.user().userId());
            Run run = new Run(context, events, conversation(request));
            events.started(context.call().deadline(), config.maxSteps());
            Cancellable work = run.step(1).subscribe().with(
                    done -> {
                    },
                    failure -> {
                        Log.errorf(failure, "request %s: run failed unexpectedly", context.requestId());
                        events.failed(Problem.of(ErrorType.INTERNAL_ERROR,
                                "The run failed unexpectedly. The failure is logged under this request id.",
                                Services.EXECUTION_AGENT, context.user(), context.requestId()));
                    });
            // The only subscriber is run()'s own, which never leaves: this stops the in-flight
            // downstream call only when the events can no longer be logged (the run is broken).
            emitter.onTermination(work::cancel);
        });
    }

    private ArrayNode conversation(RunRequest request) {
        ArrayNode messages = json.createArrayNode();
        messages.addObject().put("role", "system").put("content", SYSTEM_PROMPT.formatted(Instant.now()));
        if (request.history() != null) {
            for (RunRequest.Turn turn : request.history()) {
                messages.addObject().put("role", turn.role()).put("content", turn.content());
            }
        }
        messages.addObject().put("role", "user").put("content", request.message());
        return messages;
    }

    /** The state of one run. Steps run one after the other, so no field is touched concurrently. */
    private final class Run {

        private final RunContext context;
        private final RunEvents events;
        private final ArrayNode messages;
        private boolean cascadeDegradedReported;

        Run(RunContext context, RunEvents events, ArrayNode messages) {
            this.context = context;
            this.events = events;
            this.messages = messages;
        }

        Uni<Void> step(int step) {
            if (context.call().expired()) {
                return end(deadlineProblem());
            }
            events.thinking(step, config.model());
            return cascade.complete(chatRequest(), context.call(), context.user(), progress -> {
                        switch (progress) {
                            case TextDelta delta -> events.thinkingDelta(step, delta);
                            case Superseded superseded -> events.superseded(step, superseded);
                        }
                    })
                    .chain(reply -> switch (reply) {
                        case CascadeReply.Failed failed -> cascadeFailed(failed.problem());
                        case CascadeReply.Answered answered -> answered(answered.turn(), step);
                    })
                    .onFailure(DeadlineExceeded.class).recoverWithUni(e -> end(deadlineProblem()));
        }

        private Uni<Void> answered(ModelTurn turn, int step) {
            Provenance provenance = turn.provenance();
            if (provenance.degraded() && !cascadeDegradedReported) {
                cascadeDegradedReported = true;
                events.degraded(Services.LLM_CASCADE,
                        Optional.ofNullable(provenance.selectionReasoning()).orElse("a lower-preference route answered"),
                        "answered by " + provenance.model() + " instead of the preferred route");
            }
            if (!turn.wantsTools()) {
                events.completed(turn.content(), provenance);
                return Uni.createFrom().voidItem();
            }
            if (step >= config.maxSteps()) {
                // The model would never see these results: running the tools would be work for nothing.
                return end(Problem.of(ErrorType.AGENT_TIMEOUT,
                        "The run reached its limit of " + config.maxSteps() + " model steps without a final answer.",
                        Services.EXECUTION_AGENT, context.user(), context.requestId()));
            }
            messages.add(turn.assistantMessage());
            return tools(turn.toolCalls(), 0, step)
                    .chain(goOn -> goOn ? step(step + 1) : Uni.createFrom().voidItem());
        }

        /** Runs the calls one after the other; false when a failure ended the run. */
        private Uni<Boolean> tools(List<ToolCall> calls, int index, int step) {
            if (index == calls.size()) {
                return Uni.createFrom().item(true);
            }
            ToolCall call = calls.get(index);
            return tool(call, step).chain(outcome -> {
                if (outcome instanceof ToolOutcome.Failed failed
                        && config.toolFailure() == AgentConfig.ToolFailureMode.FAIL_RUN) {
                    return end(Problem.of(ErrorType.TOOL_FAILED,
                            "The tool " + call.name() + " failed: " + failed.problem().detail(),
                            Services.EXECUTION_AGENT, context.user(), context.requestId())).replaceWith(false);
                }
                messages.add(toolMessage(call, outcome));
                return tools(calls, index + 1, step);
            });
        }

        private Uni<ToolOutcome> tool(ToolCall call, int step) {
            if (!tools.knows(call.name())) {
                return Uni.createFrom().item(refused(call, "There is no tool named '" + call.name() + "'."));
            }
            Optional<JsonNode> arguments = arguments(call);
            if (arguments.isEmpty()) {
                return Uni.createFrom().item(refused(call, "The arguments for " + call.name() + " are not a JSON object."));
            }
            events.toolExecuting(step, call.name(), call.id(), arguments.get());
            return tools.execute(call.name(), arguments.get(), context.call(), context.user())
                    .invoke(outcome -> {
                        switch (outcome) {
                            case ToolOutcome.Succeeded ok -> {
                                events.toolSucceeded(step, call.name(), call.id(), tools.summary(call.name(), ok.result()));
                                reportDegradedData(ok.result());
                            }
                            case ToolOutcome.Failed failed -> events.toolFailed(step, call.name(), call.id(), failed.problem());
                        }
                    })
                    .onFailure(DeadlineExceeded.class)
                    .invoke(e -> events.toolFailed(step, call.name(), call.id(), deadlineProblem()));
        }

        private void reportDegradedData(JsonNode result) {
            JsonNode source = result.path("source");
            if (source.path("degraded").asBoolean(false)) {
                events.degraded(Services.DATA_AGENT,
                        "result served from " + source.path("kind").asText("an alternative source") + ", "
                                + source.path("freshness_seconds").asLong() + " s old",
                        "figures may not include the most recent calls");
            }
        }

        /** A call that never reached a tool: the model is told, but no tool event is sent for work that did not happen. */
        private ToolOutcome refused(ToolCall call, String detail) {
            Log.infof("request %s: tool call %s refused: %s", context.requestId(), call.id(), detail);
            return new ToolOutcome.Failed(Problem.of(ErrorType.INVALID_REQUEST, detail, Services.EXECUTION_AGENT,
                    context.user(), context.requestId()));
        }

        private Optional<JsonNode> arguments(ToolCall call) {
            try {
                JsonNode node = json.readTree(call.arguments().isBlank() ? "{}" : call.arguments());
                return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
            } catch (Exception e) {
                return Optional.empty();
            }
        }

        private ObjectNode toolMessage(ToolCall call, ToolOutcome outcome) {
            String content = switch (outcome) {
                case ToolOutcome.Succeeded ok -> forTheModel(ok.result());
                case ToolOutcome.Failed failed -> {
                    ObjectNode error = json.createObjectNode();
                    error.putObject("error")
                            .put("tool", call.name())
                            .put("failed", true)
                            .put("error_type", failed.problem().errorType().wire())
                            .put("detail", failed.problem().detail())
                            .put("retryable", failed.problem().retryable());
                    yield error.toString();
                }
            };
            return json.createObjectNode().put("role", "tool").put("tool_call_id", call.id()).put("content", content);
        }

        /**
         * The result as the model reads it: the data agent's receipt (and its internal MAC) are for
         * clients and the gateway, not tokens for a model provider.
         */
        private String forTheModel(JsonNode result) {
            if (result instanceof ObjectNode object && (object.has("receipt") || object.has("receipt_mac"))) {
                ObjectNode copy = object.deepCopy();
                copy.remove(List.of("receipt", "receipt_mac"));
                return copy.toString();
            }
            return result.toString();
        }

        private ObjectNode chatRequest() {
            ObjectNode request = json.createObjectNode().put("model", config.model());
            request.set("messages", messages.deepCopy());
            request.set("tools", tools.definitions());
            request.put("tool_choice", "auto");
            return request;
        }

        private Problem deadlineProblem() {
            return Problem.of(ErrorType.AGENT_TIMEOUT, "The run did not finish before its deadline.",
                    Services.EXECUTION_AGENT, context.user(), context.requestId());
        }

        /**
         * The model service could not answer this run: users watching the run learn which service
         * failed and when to try again (a status event) before the run ends with the problem. A
         * refusal of the request itself (4xx) is not a service failure.
         */
        private Uni<Void> cascadeFailed(Problem problem) {
            if (problem.status() >= 500) {
                events.unavailable(Services.LLM_CASCADE, problem.detail(), problem.errorType().wire(),
                        problem.retryAfterSeconds());
            }
            return end(problem);
        }

        private Uni<Void> end(Problem problem) {
            events.failed(problem);
            return Uni.createFrom().voidItem();
        }
    }
}
