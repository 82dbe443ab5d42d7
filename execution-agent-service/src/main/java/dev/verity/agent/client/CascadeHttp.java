package dev.verity.agent.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.agent.config.AgentConfig;
import dev.verity.contract.Headers;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientRequest;
import io.vertx.mutiny.core.http.HttpClientResponse;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The HTTP exchange behind a streamed model turn: {@code POST /v1/chat/completions} on the
 * llm-cascade, found through the same {@code quarkus.rest-client.llm-cascade.url} as its REST
 * client. A Vert.x client rather than the REST client because the body must be read
 * as it arrives, next to the status and the {@code x-verity-*} headers of the first chunk.
 */
@ApplicationScoped
class CascadeHttp {

    static final String COMPLETIONS_PATH = "/v1/chat/completions";

    private final HttpClient client;
    private final String completionsUri;

    CascadeHttp(Vertx vertx,
                @ConfigProperty(name = "quarkus.rest-client.llm-cascade.url") String baseUrl,
                @ConfigProperty(name = "quarkus.rest-client.connect-timeout", defaultValue = "2000") int connectTimeoutMillis,
                AgentConfig config) {
        // Each streaming turn holds its connection for the whole answer: the pool bounds concurrent turns.
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout(connectTimeoutMillis)
                .setMaxPoolSize(config.cascadeMaxConnections()));
        this.completionsUri = baseUrl.replaceAll("/+$", "") + COMPLETIONS_PATH;
    }

    /**
     * Sends the chat request with the caller's token, request id and deadline. The item arrives
     * with the status and headers; the body is paused until {@link Exchange#body()} is subscribed.
     * Cancelling before the answer arrives resets the request, so the cascade stops working on it.
     */
    Uni<Exchange> post(ObjectNode body, CallContext call) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(completionsUri)
                .putHeader("Authorization", call.authorization())
                .putHeader(Headers.REQUEST_ID, call.requestId())
                .putHeader(Headers.REQUEST_DEADLINE, String.valueOf(call.deadlineEpochMillis()))
                .putHeader("Content-Type", "application/json")
                // A run's answer gets the cascade's quality decision: escalation after streaming, announced.
                .putHeader(Headers.STREAM_ESCALATION, Headers.STREAM_ESCALATION_ANNOUNCE)
                .putHeader("Accept", "text/event-stream, " + Headers.PROBLEM_JSON + ", application/json");
        return client.request(options).chain(request -> request.send(Buffer.buffer(body.toString()))
                .map(response -> new Exchange(request, response, response.toMulti()))
                .onCancellation().invoke(request::reset));
    }

    @PreDestroy
    void close() {
        client.closeAndForget();
    }

    /** One answer in flight; {@code body} was created on arrival, which pauses the response until it is read. */
    record Exchange(HttpClientRequest request, HttpClientResponse response, Multi<Buffer> body) {

        int status() {
            return response.statusCode();
        }

        String header(String name) {
            return response.getHeader(name);
        }

        boolean isEventStream() {
            String type = header("Content-Type");
            return type != null && type.toLowerCase().startsWith("text/event-stream");
        }

        /** Ends the exchange early: the connection is closed so the cascade stops streaming. */
        void abandon() {
            request.reset();
        }

        /** The whole body, for answers that are not streamed (problem details, a plain completion). */
        Uni<String> text() {
            // Joined as bytes first, so that a character split across two buffers decodes whole.
            return body.collect().in(Buffer::buffer, Buffer::appendBuffer).map(Buffer::toString);
        }
    }
}
