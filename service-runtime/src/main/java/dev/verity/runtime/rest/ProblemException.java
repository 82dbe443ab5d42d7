package dev.verity.runtime.rest;

import dev.verity.contract.Problem;

/**
 * Ends a request early with a complete problem (bad input, rate limit, readiness, admission);
 * {@link ProblemMappers} answers with the problem as it is.
 */
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
