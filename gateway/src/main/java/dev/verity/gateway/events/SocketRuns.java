package dev.verity.gateway.events;

import dev.verity.gateway.client.AgentRunStream;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.gateway.guard.RunEventCheck;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.Route;
import dev.verity.gateway.tier.TierHandler;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs started over a socket ({@code {"type":"run",…}}). The run's events go to every
 * socket of the user on this replica straight from the agent's stream, so they arrive even when
 * Redis is down; other replicas get them through the agent's event log. Every run ends with one
 * terminal event: the agent's, or, when the agent refuses, breaks off or overruns the deadline, an
 * {@code agent_failed} with the problem, logged like any other event. The run outlives the socket
 * that started it: a client that reconnects resumes it.
 *
 * <p>Every {@code agent_failed} of such a run carries {@code tier_handling}, added here,
 * on the replica that started the run, exactly once: the agent is asked
 * ({@code X-Verity-Failure-Event: caller}) to stream its own {@code agent_failed} to this replica
 * only, without logging or publishing it; this replica adds tier handling (an enterprise ticket is
 * opened once) and then logs and publishes the handled event, which is the only one any socket, any
 * replica or any resume ever sees.
 */
@ApplicationScoped
public class SocketRuns {

    private final AgentRunStream agent;
    private final Subscribers subscribers;
    private final EventLogStore log;
    private final EventsConfig config;
    private final Vertx vertx;
    private final TierHandler tiers;
    private final ObjectMapper json;
    private final RunEventCheck check;

    public SocketRuns(AgentRunStream agent, Subscribers subscribers, EventLogStore log, EventsConfig config, Vertx vertx,
                      TierHandler tiers, ObjectMapper json, RunEventCheck check) {
        this.agent = agent;
        this.subscribers = subscribers;
        this.log = log;
        this.config = config;
        this.vertx = vertx;
        this.tiers = tiers;
        this.json = json;
        this.check = check;
    }

    void start(Subscriber socket, ClientMessage.Run run) {
        UserContext user = socket.user();
        String requestId = UUID.randomUUID().toString();
        if (socket.activeRuns().incrementAndGet() > config.maxRunsPerConnection()) {
            socket.activeRuns().decrementAndGet();
            socket.sendProblem(Problem.of(ErrorType.RATE_LIMITED, "At most " + config.maxRunsPerConnection()
                    + " runs may be in flight on one connection; start this one when another has finished.",
                    Services.GATEWAY, user, requestId).withRetryAfterSeconds(5));
            return;
        }
        socket.expectRun(requestId, run.clientRef());
        long timeout = config.runTimeout().toMillis();
        ActiveRun active = new ActiveRun(socket, user, requestId, Instant.now().plusMillis(timeout));
        active.timer = vertx.setTimer(timeout, tick -> {
            if (active.end()) {
                active.cancel.run();
                fail(active, Problem.of(ErrorType.AGENT_TIMEOUT, "The run did not finish within its deadline.",
                        Services.EXECUTION_AGENT, user, requestId));
            }
        });
        active.cancel = agent.open(new AgentRunStream.Call(run.message(), run.history(), socket.bearerToken(), requestId,
                System.currentTimeMillis() + timeout), active);
    }

    /** A failure the gateway itself saw (refusal, broken stream, deadline). */
    private void fail(ActiveRun run, Problem problem) {
        failWith(run, new Event(EventType.AGENT_FAILED, null, run.requestId, run.user.userId(), Instant.now(),
                Services.GATEWAY, null, Map.of("problem", problem)), problem);
    }

    /** The agent's own {@code agent_failed}: its problem gets tier handling, the rest stays the agent's. */
    private void agentFailed(ActiveRun run, Event failed) {
        Problem problem;
        try {
            problem = json.convertValue(failed.data().get("problem"), Problem.class);
        } catch (IllegalArgumentException e) {
            problem = null;
        }
        if (problem == null) {
            Log.errorf("run %s: agent_failed from the execution agent without a readable problem", run.requestId);
            fail(run, Problem.of(ErrorType.SERVICE_UNAVAILABLE, "The execution agent reported a failure the gateway could not read.",
                    Services.EXECUTION_AGENT, run.user, run.requestId));
            return;
        }
        failWith(run, failed.withEventId(null), problem);
    }

    /**
     * Adds tier handling, then logs (id, other replicas, resume) and delivers to this replica's
     * sockets. Tier handling never fails the delivery: a ticket that cannot be stored is reported
     * inside tier_handling by the handler itself.
     */
    private void failWith(ActiveRun run, Event failed, Problem problem) {
        RequestContext ctx = new RequestContext(run.user, run.socket.bearerToken(), run.requestId, run.deadline);
        tiers.attach(problem, Route.CHAT, ctx)
                .onFailure().recoverWithItem(e -> {
                    Log.errorf(e, "run %s: tier handling failed; agent_failed sent without it", run.requestId);
                    return problem;
                })
                .chain(handled -> {
                    Map<String, Object> data = new LinkedHashMap<>(failed.data());
                    data.put("problem", handled);
                    return log.append(new Event(EventType.AGENT_FAILED, null, failed.requestId(), failed.userId(),
                            failed.timestamp(), failed.service(), null, data));
                })
                .subscribe().with(
                        appended -> subscribers.deliver(run.user.userId(), appended.event()),
                        failure -> Log.errorf(failure, "agent_failed for run %s not delivered", run.requestId));
    }

    private final class ActiveRun implements AgentRunStream.Listener {
        final Subscriber socket;
        final UserContext user;
        final String requestId;
        final Instant deadline;
        final AtomicBoolean done = new AtomicBoolean();
        volatile long timer = -1;
        volatile Runnable cancel = () -> { };

        ActiveRun(Subscriber socket, UserContext user, String requestId, Instant deadline) {
            this.socket = socket;
            this.user = user;
            this.requestId = requestId;
            this.deadline = deadline;
        }

        /** True for the one caller that ends the run. */
        boolean end() {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            vertx.cancelTimer(timer);
            socket.activeRuns().decrementAndGet();
            return true;
        }

        @Override
        public void event(Event event) {
            if (done.get()) {
                return;
            }
            if (!user.userId().equals(event.userId()) || !requestId.equals(event.requestId())) {
                Log.errorf("event %s from the agent for user %s / request %s is not of run %s; dropped",
                        event.type().wire(), event.userId(), event.requestId(), requestId);
                return;
            }
            if (event.type().isTerminal() && !end()) {
                return;
            }
            if (event.type() == EventType.AGENT_FAILED) {
                agentFailed(this, event);
                return;
            }
            Event deliverable = check.deliverable(event);
            if (deliverable.type() == EventType.AGENT_COMPLETED) {
                tiers.succeeded(Route.CHAT, user);
            }
            subscribers.deliver(user.userId(), deliverable);
        }

        @Override
        public void problem(Problem problem) {
            if (end()) {
                fail(this, problem);
            }
        }

        @Override
        public void ended() {
            if (end()) {
                Log.warnf("execution agent ended run %s without a terminal event", requestId);
                fail(this, Problem.of(ErrorType.SERVICE_UNAVAILABLE,
                        "The execution agent stopped before the run finished.", Services.EXECUTION_AGENT, user, requestId));
            }
        }

        @Override
        public void broken(Throwable failure) {
            if (end()) {
                Log.warnf("run %s: execution agent unreachable or stream broken: %s", requestId, failure.getMessage());
                fail(this, Problem.of(ErrorType.SERVICE_UNAVAILABLE,
                        "The execution agent could not be reached or stopped answering.", Services.EXECUTION_AGENT,
                        user, requestId));
            }
        }
    }
}
