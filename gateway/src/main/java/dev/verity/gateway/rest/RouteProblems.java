package dev.verity.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import io.vertx.ext.web.RoutingContext;

/**
 * A problem answered from a Vert.x filter or failure handler, before (or instead of) any resource:
 * in OpenAI's error shape on the OpenAI path as {@link OpenAiErrors} gives resources' problems, as
 * problem+json elsewhere, and with {@code Connection: close} since the request was not read to its end.
 */
final class RouteProblems {

    private RouteProblems() {
    }

    static void end(RoutingContext ctx, ObjectMapper json, Problem problem) {
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
