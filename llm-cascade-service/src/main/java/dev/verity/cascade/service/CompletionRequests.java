package dev.verity.cascade.service;

import dev.verity.cascade.api.ChatCompletionRequest;
import dev.verity.cascade.client.ModelSpec;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import dev.verity.runtime.rest.RequestDeadline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Turns what a caller sent (body and headers) into the call the cascade makes, or the problem that
 * stops it before any model is called: the body's fields, {@code X-Request-Deadline}, and the
 * stream headers, checked in that order so the first fault named is the body's.
 */
@ApplicationScoped
public class CompletionRequests {

    /** What one request asks for: a call to make, or a refusal to answer with. */
    public sealed interface Admission {

        record Call(ChatCompletionRequest request, CallContext context, StreamDecision decision) implements Admission {
        }

        record Refused(Problem problem) implements Admission {
        }
    }

    /** The raw header values a completion reads; null when a header was not sent. */
    public record CallHeaders(String deadline, String holdStream, String streamEscalation) {
    }

    private final Supplier<List<String>> modelNames;

    @Inject
    public CompletionRequests(ModelGuards models) {
        this(() -> models.models().stream().map(ModelSpec::name).toList());
    }

    CompletionRequests(Supplier<List<String>> modelNames) {
        this.modelNames = modelNames;
    }

    public Admission admit(ChatCompletionRequest request, CallHeaders headers, UserContext user, String requestId) {
        Optional<String> invalid = RequestValidator.problem(request, modelNames.get());
        if (invalid.isPresent()) {
            return refused(invalid.get(), user, requestId);
        }
        RequestDeadline requested = RequestDeadline.parse(headers.deadline());
        if (requested instanceof RequestDeadline.Malformed) {
            return refused("Header '" + Headers.REQUEST_DEADLINE + "' must be epoch milliseconds.", user, requestId);
        }
        Long deadline = requested instanceof RequestDeadline.At at ? at.instant().toEpochMilli() : null;
        Optional<StreamDecision> decision = StreamDecision.of(headers.holdStream(), headers.streamEscalation());
        if (decision.isEmpty()) {
            return refused("Header '" + Headers.HOLD_STREAM + "' takes only the value '" + Headers.HOLD_STREAM_SCORED
                    + "' and header '" + Headers.STREAM_ESCALATION + "' only '" + Headers.STREAM_ESCALATION_ANNOUNCE
                    + "', and not both on one request.", user, requestId);
        }
        return new Admission.Call(request, new CallContext(user, requestId, deadline), decision.get());
    }

    private static Admission refused(String detail, UserContext user, String requestId) {
        return new Admission.Refused(Problem.of(ErrorType.INVALID_REQUEST, detail, Services.LLM_CASCADE, user, requestId));
    }
}
