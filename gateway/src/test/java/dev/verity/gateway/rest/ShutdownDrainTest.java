package dev.verity.gateway.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Headers;
import dev.verity.contract.Services;
import dev.verity.runtime.rest.ShutdownDrain;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's drain filter on a real Vert.x server: what a client sees when it calls an instance
 * that is shutting down, before and after the shutdown delay.
 */
class ShutdownDrainTest {

    private final ObjectMapper json = new ObjectMapper();
    private final Vertx vertx = Vertx.vertx();
    private HttpServer server;

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aNewRequestInTheDrainGetsARetryableProblemAndTheConnectionCloses() throws Exception {
        ShutdownDrain drain = serve(Duration.ZERO);
        assertThat(send("/api/v1/usage", "r-before").body()).as("served while running").isEqualTo("served");

        drain.shutdownStarted(null);

        HttpResponse<String> refused = send("/api/v1/usage", "r-drain");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("content-type")).hasValue(Headers.PROBLEM_JSON);
        assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
        assertThat(refused.headers().firstValue("connection")).hasValue("close");
        JsonNode problem = json.readTree(refused.body());
        assertThat(problem.path("error_type").asText()).isEqualTo("service_unavailable");
        assertThat(problem.path("retryable").asBoolean()).isTrue();
        assertThat(problem.path("detail").asText()).contains("shutting down");
        assertThat(problem.path("error_context").path("request_id").asText()).isEqualTo("r-drain");

        assertThat(send("/q/health/ready", "r-probe").body()).as("probes keep their own answers").isEqualTo("served");
    }

    @Test
    void onTheOpenAiPathTheRefusalHasOpenAisErrorShape() throws Exception {
        ShutdownDrain drain = serve(Duration.ZERO);
        drain.shutdownStarted(null);

        HttpResponse<String> refused = send(OpenAiErrors.PATH, "r-sdk");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
        JsonNode body = json.readTree(refused.body());
        assertThat(body.path("error").path("code").asText()).isEqualTo("service_unavailable");
        assertThat(body.path("problem").path("error_type").asText()).isEqualTo("service_unavailable");
    }

    @Test
    void duringTheShutdownDelayRequestsAreStillServed() throws Exception {
        ShutdownDrain drain = serve(Duration.ofHours(1));
        drain.shutdownStarted(null);

        assertThat(drain.draining()).isFalse();
        assertThat(send("/api/v1/usage", "r-delay").body()).isEqualTo("served");
    }

    private ShutdownDrain serve(Duration delay) throws Exception {
        ShutdownDrain drain = new ShutdownDrain(new OpenAiRouteProblems(json), Services.GATEWAY, Optional.of(delay));
        Filters filters = new Filters();
        drain.refuseDuringDrain(filters);
        Router router = Router.router(vertx);
        filters.getFilters().forEach(filter -> router.route().order(-filter.getPriority()).handler(filter.getHandler()));
        router.route().handler(ctx -> ctx.response().end("served"));
        server = vertx.createHttpServer().requestHandler(router).listen(0)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return drain;
    }

    private HttpResponse<String> send(String path, String requestId) throws Exception {
        // A fresh client each time: a refused request closes its connection.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
                .header(Headers.REQUEST_ID, requestId).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
