package dev.verity.gateway.routing;

import dev.verity.contract.Problem;

/** Ends a request early with a problem (rate limit, readiness, admission, bad input). */
public class ProblemException extends RuntimeException {

    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(problem.errorType().wire() + ": " + problem.detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
