package dev.verity.data.rest;

import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.UserContext;
import dev.verity.data.query.DataAnswer;
import dev.verity.runtime.rest.ProblemResponses;
import dev.verity.runtime.rest.RequestDeadline;
import dev.verity.runtime.security.Callers;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** Who is asking, under which request id, and until when (DESIGN §3). */
record RequestContext(UserContext caller, String requestId, Instant deadline) {

    static RequestContext of(JsonWebToken jwt, HttpHeaders headers) {
        return new RequestContext(Callers.of(jwt), ProblemResponses.requestId(headers), deadline(headers));
    }

    private static Instant deadline(HttpHeaders headers) {
        // A malformed deadline is no deadline: the query runs under this service's own budget.
        return switch (RequestDeadline.of(headers)) {
            case RequestDeadline.At at -> at.instant();
            case RequestDeadline.Absent absent -> null;
            case RequestDeadline.Malformed malformed -> null;
        };
    }

    Response problem(ErrorType type, String detail) {
        return ProblemResponses.of(Problem.of(type, detail, Services.DATA_AGENT, caller, requestId));
    }

    /** Nothing could answer: the problem names what was asked, so the caller knows what is missing. */
    Response missing(DataAnswer.Failure failure, List<String> requested) {
        boolean timeout = failure == DataAnswer.Failure.TIMEOUT;
        Problem problem = Problem.of(timeout ? ErrorType.DATA_QUERY_TIMEOUT : ErrorType.DATA_UNAVAILABLE,
                timeout ? "The query did not finish within its time budget, and no earlier result of the same query is available."
                        : "The usage database cannot be reached, and no earlier result of the same query is available.",
                Services.DATA_AGENT, caller, requestId);
        return ProblemResponses.of(problem.withErrorContext(problem.errorContext().withRequestedMetrics(requested)));
    }
}
