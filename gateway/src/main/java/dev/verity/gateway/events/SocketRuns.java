package dev.verity.gateway.events;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs started over a socket ({@code {"type":"run",…}}, DESIGN §12). The run's events go to every
 * socket of the user on this replica straight from the agent's stream, so they arrive even when
 * Redis is down; other replicas get them through the agent's event log. Every run ends with one
 * terminal event: the agent's, or, when the agent refuses, breaks off or overruns the deadline, an
 * {@code agent_failed} with the problem, logged like any other event. The run outlives the socket
 * that started it: a client that reconnects resumes it.
 */
@ApplicationScoped
public class SocketRuns {

    private final AgentRunStream agent;
    private final Subscribers subscribers;
    private final EventLogStore log;
    private final EventsConfig config;
    private final Vertx vertx;

    public SocketRuns(AgentRunStream agent, Subscribers subscribers, EventLogStore log, EventsConfig config, Vertx vertx) {
        this.agent = agent;
        this.subscribers = subscribers;
        this.log = log;
        this.config = config;
        this.vertx = vertx;
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
        ActiveRun active = new ActiveRun(socket, user, requestId);
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

    private void fail(ActiveRun run, Problem problem) {
        Event failed = new Event(EventType.AGENT_FAILED, null, run.requestId, run.user.userId(), Instant.now(),
                Services.GATEWAY, null, Map.of("problem", problem));
        log.append(failed).subscribe().with(
                appended -> subscribers.deliver(run.user.userId(), appended.event()),
                failure -> Log.errorf(failure, "agent_failed for run %s not delivered", run.requestId));
    }

    private final class ActiveRun implements AgentRunStream.Listener {
        final Subscriber socket;
        final UserContext user;
        final String requestId;
        final AtomicBoolean done = new AtomicBoolean();
        volatile long timer = -1;
        volatile Runnable cancel = () -> { };

        ActiveRun(Subscriber socket, UserContext user, String requestId) {
            this.socket = socket;
            this.user = user;
            this.requestId = requestId;
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
            subscribers.deliver(user.userId(), event);
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
