package dev.verity.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The only stand-in of the whole-system tests: WireMock speaking the OpenAI chat-completions
 * protocol, one path per configured model ({@code /<model>/v1/chat/completions}), with a fault
 * switch per model.
 */
public final class ProviderStub implements AutoCloseable {

    private static final AtomicInteger IDS = new AtomicInteger();
    private static final String SUPPORT_WEBHOOK = "/support/escalations";
    private final WireMockServer server;

    public ProviderStub() {
        server = new WireMockServer(options().dynamicPort().asynchronousResponseEnabled(true));
        server.start();
        server.resetAll();
    }

    public String baseUrl(String model) {
        return "http://localhost:" + server.port() + "/" + model + "/v1";
    }

    public String origin() {
        return "localhost:" + server.port();
    }

    private static String path(String model) {
        return "/" + model + "/v1/chat/completions";
    }

    /** The model answers with this text, finish_reason stop, real-looking usage numbers. */
    public String answers(String model, String text) {
        String id = "chatcmpl-e2e-" + IDS.incrementAndGet();
        stubBoth(() -> post(urlPathEqualTo(path(model))), 0, Completion.text(id, model, text, 21, 9));
        return id;
    }

    /** The model's answer is cut off by its token limit ({@code finish_reason: length}). */
    public String truncates(String model, String text) {
        String id = "chatcmpl-e2e-cut-" + IDS.incrementAndGet();
        // Token counts whose price (a double in the cascade today) has at most 9 decimals, which the
        // data agent requires of cost_usd; 21/4 at small's prices would be dead-lettered there.
        stubBoth(() -> post(urlPathEqualTo(path(model))), 0, Completion.truncated(id, model, text, 20, 5));
        return id;
    }

    /**
     * The model first asks for one tool call, then (once it has the tool result) answers with text:
     * a two-step agent run over the real tools.
     */
    public void callsToolThenAnswers(String model, String tool, String argumentsJson, String text) {
        String scenario = "tool-then-answer-" + model;
        String arguments = argumentsJson.replace("\\", "\\\\").replace("\"", "\\\"");
        stubBoth(() -> post(urlPathEqualTo(path(model))).inScenario(scenario)
                        .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                        .willSetStateTo("tool-called"), 0,
                Completion.toolCall("chatcmpl-e2e-tool-" + IDS.incrementAndGet(), model, "call_e2e_1", tool, arguments, 40, 12));
        stubBoth(() -> post(urlPathEqualTo(path(model))).inScenario(scenario).whenScenarioStateIs("tool-called"), 0,
                Completion.text("chatcmpl-e2e-final-" + IDS.incrementAndGet(), model, text, 90, 20));
    }

    /**
     * Every run of the model asks for one tool call (after {@code delayMillis}, so the run is in
     * flight with the provider for that long) and, once a request carries the tool's message,
     * answers with text. Stateless, so concurrent runs each get both steps.
     */
    public void callsToolOnEveryRun(String model, String tool, String argumentsJson, int delayMillis, String text) {
        String arguments = argumentsJson.replace("\\", "\\\\").replace("\"", "\\\"");
        stubBoth(() -> post(urlPathEqualTo(path(model))).atPriority(2), delayMillis,
                Completion.toolCall("chatcmpl-e2e-tool-" + IDS.incrementAndGet(), model, "call_e2e_run", tool, arguments, 40, 12));
        stubBoth(() -> post(urlPathEqualTo(path(model))).atPriority(1)
                        .withRequestBody(matchingJsonPath("$.messages[?(@.role == 'tool')]")), 0,
                Completion.text("chatcmpl-e2e-final-" + IDS.incrementAndGet(), model, text, 90, 20));
    }

    /** The support system's receiver of enterprise escalations, on this same server. */
    public String supportWebhookUrl() {
        return "http://localhost:" + server.port() + SUPPORT_WEBHOOK;
    }

    /** The support webhook accepts deliveries (a reset leaves it unanswered, so deliveries retry). */
    public void acceptsSupportNotifications() {
        server.stubFor(post(urlPathEqualTo(SUPPORT_WEBHOOK)).willReturn(aResponse().withStatus(204)));
    }

    /** The escalations the support webhook received, oldest first. */
    public java.util.List<String> supportNotifications() {
        return server.findAll(postRequestedFor(urlPathEqualTo(SUPPORT_WEBHOOK))).stream()
                .map(request -> request.getBodyAsString()).toList();
    }

    /** The bodies the model received, oldest first. */
    public java.util.List<String> requestBodies(String model) {
        return server.findAll(postRequestedFor(urlPathEqualTo(path(model)))).stream()
                .map(request -> request.getBodyAsString()).toList();
    }

    public void failsWith(String model, int status, String body) {
        server.stubFor(post(urlPathEqualTo(path(model))).willReturn(aResponse()
                .withStatus(status).withHeader("Content-Type", "application/json").withBody(body)));
    }

    public void failsWithRetryAfter(String model, int status, String retryAfter, String body) {
        server.stubFor(post(urlPathEqualTo(path(model))).willReturn(aResponse()
                .withStatus(status).withHeader("Content-Type", "application/json")
                .withHeader("Retry-After", retryAfter).withBody(body)));
    }

    public void resetsConnection(String model) {
        server.stubFor(post(urlPathEqualTo(path(model))).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    }

    public void delays(String model, int millis, String text) {
        stubBoth(() -> post(urlPathEqualTo(path(model))), millis,
                Completion.text("chatcmpl-e2e-slow-" + IDS.incrementAndGet(), model, text, 21, 9));
    }

    /**
     * Streamed requests ({@code "stream": true}, as the agent sends) get the same completion as
     * Server-Sent Events in OpenAI's chunk format; the others get it as one JSON body.
     */
    private void stubBoth(Supplier<MappingBuilder> request, int delayMillis, Completion completion) {
        server.stubFor(request.get().willReturn(aResponse().withStatus(200).withFixedDelay(delayMillis)
                .withHeader("Content-Type", "application/json").withBody(completion.json())));
        server.stubFor(request.get().withRequestBody(matchingJsonPath("$.stream", equalTo("true")))
                .willReturn(aResponse().withStatus(200).withFixedDelay(delayMillis)
                        .withHeader("Content-Type", "text/event-stream").withBody(completion.events())));
    }

    /**
     * A streamed answer that breaks after its first chunk: one real chunk, then a chunk that is not
     * JSON, and no [DONE]. The two halves leave in separate writes half a second apart, so the
     * first chunk is relayed before the broken one arrives.
     */
    public void streamsOneChunkThenBreaks(String model, String firstText) {
        String id = "chatcmpl-e2e-broken-" + IDS.incrementAndGet();
        String first = "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"%s\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"%s\"},\"finish_reason\":null}]}\n\n"
                .formatted(id, model, firstText);
        String brokenStart = "data: {\"id\":\"" + id + "\",\"choices\":[{\"delta\":";
        // Same length as the first event, so an even split of the body falls between the two.
        String broken = brokenStart + " ".repeat(Math.max(0, first.length() - brokenStart.length() - 2)) + "\n\n";
        server.stubFor(post(urlPathEqualTo(path(model))).withRequestBody(matchingJsonPath("$.stream", equalTo("true")))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
                        .withBody(first + broken).withChunkedDribbleDelay(2, 500)));
    }

    public int requestsTo(String model) {
        return server.countRequestsMatching(postRequestedFor(urlPathEqualTo(path(model))).build()).getCount();
    }

    public void reset() {
        server.resetAll();
    }

    @Override
    public void close() {
        server.stop();
    }
}
