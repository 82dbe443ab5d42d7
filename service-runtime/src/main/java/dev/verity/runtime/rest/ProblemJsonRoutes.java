package dev.verity.runtime.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import io.quarkus.arc.DefaultBean;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/** {@link RouteProblems} as problem+json: what every route answers unless its service says otherwise. */
@DefaultBean
@ApplicationScoped
public class ProblemJsonRoutes implements RouteProblems {

    private final ObjectMapper json;

    public ProblemJsonRoutes(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public void end(RoutingContext ctx, Problem problem) {
        try {
            ctx.response().setStatusCode(problem.status())
                    .putHeader("Content-Type", Headers.PROBLEM_JSON)
                    .putHeader("Connection", "close")
                    .end(json.writeValueAsString(problem));
        } catch (JsonProcessingException e) {
            ctx.fail(e);
        }
    }
}
