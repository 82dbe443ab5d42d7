package dev.verity.agent.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.agent.config.AgentConfig;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.Provenance;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Every call to the llm-cascade, with its whole policy: the run's deadline as the timeout, the
 * caller's token and request id forwarded, one bounded retry of a retryable problem when its
 * {@code retry_after_seconds} fits, and nothing accepted as an answer without provenance.
 */
@ApplicationScoped
public class CascadeClient {

    /** A retry is pointless when, after waiting, less than this is left for the model to answer. */
    private static final Duration MIN_TIME_FOR_RETRY = Duration.ofMillis(500);
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(2);

    private final CascadeApi api;
    private final Bodies bodies;
    private final AgentConfig.CascadeRetry retry;

    CascadeClient(@RestClient CascadeApi api, Bodies bodies, AgentConfig config) {
        this.api = api;
        this.bodies = bodies;
        this.retry = config.cascadeRetry();
    }

    /**
     * One model turn. Fails with {@link DeadlineExceeded} when the deadline arrives first; every
     * other failure is a {@link CascadeReply.Failed} with the problem the user will see.
     */
    public Uni<CascadeReply> complete(ObjectNode request, CallContext call, UserContext user) {
        return attempt(request, call, user).chain(reply -> {
            if (reply instanceof CascadeReply.Failed failed) {
                Optional<Duration> wait = retryWait(failed.problem(), call);
                if (wait.isPresent()) {
                    Log.infof("request %s: cascade answered %s, retrying once after %s", call.requestId(),
                            failed.problem().errorType().wire(), wait.get());
                    return Uni.createFrom().voidItem().onItem().delayIt().by(wait.get())
                            .chain(() -> attempt(request, call, user));
                }
            }
            return Uni.createFrom().item(reply);
        });
    }

    /** The cascade's own capability status, as a component of this service's status. */
    public Uni<ComponentStatus> status() {
        return api.status()
                .ifNoItem().after(STATUS_TIMEOUT).fail()
                .onFailure(WebApplicationException.class).recoverWithItem(e -> ((WebApplicationException) e).getResponse())
                .map(bodies::component)
                .onFailure().recoverWithItem(e -> new ComponentStatus("unavailable", "not reachable"));
    }

    private Optional<Duration> retryWait(Problem problem, CallContext call) {
        if (!retry.enabled() || !problem.retryable()) {
            return Optional.empty();
        }
        Duration wait = Duration.ofSeconds(problem.retryAfterSeconds() == null ? 0 : problem.retryAfterSeconds());
        if (wait.compareTo(retry.maxWait()) > 0 || call.remaining().minus(wait).compareTo(MIN_TIME_FOR_RETRY) < 0) {
            return Optional.empty();
        }
        return Optional.of(wait);
    }

    private Uni<CascadeReply> attempt(ObjectNode request, CallContext call, UserContext user) {
        Duration remaining = call.remaining();
        if (!remaining.isPositive()) {
            return Uni.createFrom().failure(new DeadlineExceeded(Services.LLM_CASCADE));
        }
        return api.complete(call.authorization(), call.requestId(), call.deadlineEpochMillis(), request)
                .ifNoItem().after(remaining).failWith(() -> new DeadlineExceeded(Services.LLM_CASCADE))
                // A non-2xx answer may still arrive as an exception carrying the response: read it the same way.
                .onFailure(WebApplicationException.class).recoverWithItem(e -> ((WebApplicationException) e).getResponse())
                .map(response -> read(response, call, user))
                .onFailure(e -> !(e instanceof DeadlineExceeded)).recoverWithItem(e -> {
                    Log.warnf("request %s: llm-cascade not reachable: %s", call.requestId(), e.toString());
                    return failed(ErrorType.SERVICE_UNAVAILABLE, "The model service could not be reached.", call, user);
                });
    }

    private CascadeReply read(Response response, CallContext call, UserContext user) {
        Optional<JsonNode> body = bodies.tree(response);
        if (response.getStatus() / 100 != 2) {
            Optional<Problem> problem = body.flatMap(bodies::problem);
            if (problem.isPresent()) {
                return new CascadeReply.Failed(withHeaderRetryAfter(problem.get(), response));
            }
            Log.warnf("request %s: llm-cascade answered HTTP %d without a problem body", call.requestId(), response.getStatus());
            return failed(ErrorType.SERVICE_UNAVAILABLE, "The model service answered with an unexpected response.", call, user);
        }
        if (body.isEmpty()) {
            return invalid("The model service returned an unreadable answer.", call, user);
        }
        return turn(body.get(), call, user);
    }

    private CascadeReply turn(JsonNode root, CallContext call, UserContext user) {
        Optional<Provenance> provenance = bodies.read(root.get("provenance"), Provenance.class);
        if (provenance.isEmpty()) {
            Log.errorf("request %s: llm-cascade answer without provenance refused", call.requestId());
            return invalid("The model service returned an answer without provenance; it was not used.", call, user);
        }
        JsonNode choice = root.path("choices").path(0);
        JsonNode message = choice.path("message");
        String content = message.path("content").isTextual() ? message.get("content").asText() : null;
        List<ToolCall> calls = new ArrayList<>();
        ArrayNode rawCalls = bodies.json().createArrayNode();
        for (JsonNode raw : message.path("tool_calls")) {
            JsonNode function = raw.path("function");
            if (!raw.path("id").isTextual() || !function.path("name").isTextual()) {
                return invalid("The model returned a tool call this service cannot read.", call, user);
            }
            calls.add(new ToolCall(raw.get("id").asText(), function.get("name").asText(), function.path("arguments").asText("")));
            rawCalls.add(raw);
        }
        if (calls.isEmpty() && (content == null || content.isBlank())) {
            return invalid("The model returned an empty answer.", call, user);
        }
        ObjectNode assistant = bodies.json().createObjectNode().put("role", "assistant");
        if (content == null) {
            assistant.putNull("content");
        } else {
            assistant.put("content", content);
        }
        if (!calls.isEmpty()) {
            assistant.set("tool_calls", rawCalls);
        }
        return new CascadeReply.Answered(new ModelTurn(content, calls, choice.path("finish_reason").asText(null),
                provenance.get(), assistant));
    }

    private static Problem withHeaderRetryAfter(Problem problem, Response response) {
        String header = response.getHeaderString(Headers.RETRY_AFTER);
        if (problem.retryAfterSeconds() != null || header == null) {
            return problem;
        }
        try {
            return problem.withRetryAfterSeconds(Integer.parseInt(header.trim()));
        } catch (NumberFormatException e) {
            return problem;
        }
    }

    private static CascadeReply invalid(String detail, CallContext call, UserContext user) {
        return failed(ErrorType.LLM_INVALID_RESPONSE, detail, call, user);
    }

    private static CascadeReply failed(ErrorType type, String detail, CallContext call, UserContext user) {
        return new CascadeReply.Failed(Problem.of(type, detail, Services.EXECUTION_AGENT, user, call.requestId()));
    }
}
