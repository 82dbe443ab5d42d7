package dev.verity.agent.rest;

import dev.verity.agent.client.CallContext;
import dev.verity.agent.config.AgentConfig;
import dev.verity.agent.run.RunContext;
import dev.verity.agent.run.RunRequest;
import dev.verity.agent.run.RunService;
import dev.verity.agent.run.RunValidation;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import dev.verity.runtime.rest.ProblemException;
import dev.verity.runtime.rest.ProblemResponses;
import dev.verity.runtime.rest.RequestDeadline;
import dev.verity.runtime.security.Callers;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * {@code POST /v1/runs}: validated before anything runs (an invalid request is a
 * problem response, never a stream); then either the run's events as Server-Sent Events
 * ({@code Accept: text/event-stream} or {@code "stream": true}) or its terminal outcome alone.
 */
@Path("/v1/runs")
@Authenticated
public class RunsResource {

    private final JsonWebToken jwt;
    private final RunValidation validation;
    private final RunService runs;
    private final RunResponses responses;
    private final AgentConfig config;

    public RunsResource(JsonWebToken jwt, RunValidation validation, RunService runs, RunResponses responses,
                        AgentConfig config) {
        this.jwt = jwt;
        this.validation = validation;
        this.runs = runs;
        this.responses = responses;
        this.config = config;
    }

    // No @Produces: RunResponses sets status and content type per answer (JSON, problem or SSE).
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public RestMulti<String> run(RunRequest request, @Context HttpHeaders headers) {
        RunContext context = context(request, headers);
        return Boolean.TRUE.equals(request.stream())
                ? responses.stream(runs.run(request, context))
                : responses.outcome(runs.run(request, context));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<String> runStreaming(RunRequest request, @Context HttpHeaders headers) {
        return responses.eventData(runs.run(request, context(request, headers)));
    }

    /** The run's context, or a {@link ProblemException} when the request must not start a run. */
    private RunContext context(RunRequest request, HttpHeaders headers) {
        UserContext user = Callers.of(jwt);
        String requestId = ProblemResponses.requestId(headers);
        validation.problemWith(request).ifPresent(detail -> {
            throw refused(ErrorType.INVALID_REQUEST, detail, user, requestId);
        });
        Instant deadline = deadline(RequestDeadline.of(headers), user, requestId);
        if (!deadline.isAfter(Instant.now())) {
            throw refused(ErrorType.AGENT_TIMEOUT, "The request's deadline had passed before the run could start.", user, requestId);
        }
        boolean callerLogsFailure = Headers.FAILURE_EVENT_BY_CALLER.equals(headers.getHeaderString(Headers.FAILURE_EVENT));
        return new RunContext(user, new CallContext(jwt.getRawToken(), requestId, deadline), callerLogsFailure);
    }

    private Instant deadline(RequestDeadline requested, UserContext user, String requestId) {
        return switch (requested) {
            case RequestDeadline.At at -> at.instant();
            case RequestDeadline.Absent absent -> Instant.now().plus(config.defaultBudget());
            case RequestDeadline.Malformed malformed -> throw refused(ErrorType.INVALID_REQUEST,
                    "Header " + Headers.REQUEST_DEADLINE + " must be epoch milliseconds.", user, requestId);
        };
    }

    private static ProblemException refused(ErrorType type, String detail, UserContext user, String requestId) {
        return new ProblemException(Problem.of(type, detail, Services.EXECUTION_AGENT, user, requestId));
    }
}
