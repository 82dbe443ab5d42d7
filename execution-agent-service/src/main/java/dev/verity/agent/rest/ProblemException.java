package dev.verity.agent.rest;

import dev.verity.contract.Problem;

/** A request refused before anything ran; {@link ProblemMappers} answers with the problem as it is. */
public class ProblemException extends RuntimeException {

    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
