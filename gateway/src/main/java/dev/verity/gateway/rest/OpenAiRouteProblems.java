package dev.verity.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.runtime.rest.RouteProblems;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A problem answered from a Vert.x filter or failure handler, before (or instead of) any resource
 * (the body limit, the shutdown drain): in OpenAI's error shape on the OpenAI path as
 * {@link OpenAiErrors} gives resources' problems, as problem+json elsewhere, and with
 * {@code Connection: close} since the request was not read to its end.
 */
@ApplicationScoped
public class OpenAiRouteProblems implements RouteProblems {

    private final ObjectMapper json;

    public OpenAiRouteProblems(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public void end(RoutingContext ctx, Problem problem) {
        boolean openAi = OpenAiErrors.PATH.equals(ctx.request().path());
        try {
            ctx.response().setStatusCode(problem.status())
                    .putHeader("Content-Type", openAi ? "application/json" : Headers.PROBLEM_JSON)
                    .putHeader("Connection", "close")
                    .end(json.writeValueAsString(openAi ? OpenAiErrors.OpenAiError.of(problem) : problem));
        } catch (JsonProcessingException e) {
            ctx.fail(e);
        }
    }
}
