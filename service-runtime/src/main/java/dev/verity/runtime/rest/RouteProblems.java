package dev.verity.runtime.rest;

import dev.verity.contract.Problem;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes a problem from a Vert.x filter or failure handler, before (or instead of) any resource,
 * with {@code Connection: close} since the request was not read to its end. The default writes
 * problem+json; a service whose routes promise another error shape provides its own bean.
 */
public interface RouteProblems {

    void end(RoutingContext ctx, Problem problem);
}
