package dev.verity.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.verity.contract.Services;
import java.util.Map;

/** Stubs in the internal services' own shapes (their cross-service shapes). */
final class StandIns {

    static final Map<String, String> PREFIX = Map.of(
            Services.LLM_CASCADE, DownstreamStandIns.CASCADE,
            Services.EXECUTION_AGENT, DownstreamStandIns.AGENT,
            Services.DATA_AGENT, DownstreamStandIns.DATA);

    private final WireMock wireMock;

    StandIns(int port) {
        this.wireMock = new WireMock("localhost", port);
    }

    WireMock wireMock() {
        return wireMock;
    }

    void reset() {
        wireMock.resetMappings();
        wireMock.resetRequests();
        wireMock.resetScenarios();
    }

    void status(String service, String state) {
        wireMock.register(get(urlEqualTo(PREFIX.get(service) + "/v1/status")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("""
                        {"service":"%s","status":"%s","reason":%s,"since":"2026-01-01T00:00:00Z","components":{}}"""
                        .formatted(service, state, "ready".equals(state) ? "null" : "\"test says " + state + "\""))));
    }

    void statusNotAnswering(String service) {
        wireMock.register(get(urlEqualTo(PREFIX.get(service) + "/v1/status"))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    }

    /** The status check answers "ready", but only after {@code delayMillis}. */
    void statusSlow(String service, int delayMillis) {
        wireMock.register(get(urlEqualTo(PREFIX.get(service) + "/v1/status")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withFixedDelay(delayMillis)
                .withBody("""
                        {"service":"%s","status":"ready","reason":null,"since":"2026-01-01T00:00:00Z","components":{}}"""
                        .formatted(service))));
    }

    void allReady() {
        PREFIX.keySet().forEach(service -> status(service, "ready"));
    }

    static String provenance(String model, String providerRequestId) {
        return """
                {"model":"%s","provider":"openai-compatible","provider_request_id":"%s","produced_at":"2026-01-01T00:00:00Z",\
                "degraded":false,"cache_hit":false,"attempts":[],"latency_ms":12}""".formatted(model, providerRequestId);
    }

    /** An agent answer whose provenance carries the cascade's receipt over this response. */
    static String runAnswer(String requestId, String response) {
        return """
                {"request_id":"%s","response":"%s","provenance":%s}""".formatted(requestId, response,
                TestReceipts.sign(provenance("large", "chatcmpl-run-1"), response));
    }

    /** The same answer without a receipt: what the guard must withhold. */
    static String unsignedRunAnswer(String requestId, String response) {
        return """
                {"request_id":"%s","response":"%s","provenance":%s}""".formatted(requestId, response, provenance("large", "chatcmpl-run-1"));
    }

    /** A completion whose provenance carries the cascade's receipt over its content. */
    static String completion(String content, boolean degraded) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode body = (com.fasterxml.jackson.databind.node.ObjectNode)
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(unsignedCompletion(content, degraded));
            String text = body.path("choices").get(0).path("message").path("content").asText();
            body.set("provenance", new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    TestReceipts.sign(body.path("provenance").toString(), text)));
            return body.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String unsignedCompletion(String content, boolean degraded) {
        return """
                {"id":"chatcmpl-abc","object":"chat.completion","created":1767225600,"model":"small",\
                "choices":[{"index":0,"message":{"role":"assistant","content":"%s","refusal":null},"finish_reason":"stop","logprobs":null}],\
                "usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12},\
                "provenance":{"model":"small","provider":"openai-compatible","provider_request_id":"chatcmpl-abc",\
                "produced_at":"2026-01-01T00:00:00Z","degraded":%s,"cache_hit":false,"attempts":[],"latency_ms":40}}"""
                .formatted(content, degraded);
    }

    static String problem(String errorType, int status, String service, boolean retryable) {
        return """
                {"type":"urn:verity:problem:%s","title":"t","status":%d,"detail":"The %s failed honestly.",\
                "error_type":"%s","service":"%s","retryable":%s%s}""".formatted(errorType.replace('_', '-'), status, service,
                errorType, service, retryable, retryable ? ",\"retry_after_seconds\":17" : "");
    }

    void answer(String service, String path, int status, String body) {
        wireMock.register(post(urlEqualTo(PREFIX.get(service) + path)).willReturn(aResponse()
                .withStatus(status)
                .withHeader("Content-Type", status < 300 ? "application/json" : "application/problem+json")
                .withBody(body)));
    }

    void slowAnswer(String service, String path, int delayMillis, String body) {
        wireMock.register(post(urlEqualTo(PREFIX.get(service) + path)).willReturn(aResponse()
                .withStatus(200).withHeader("Content-Type", "application/json").withBody(body)
                .withFixedDelay(delayMillis)));
    }

    void webhookAccepts() {
        wireMock.register(post(urlEqualTo(DownstreamStandIns.WEBHOOK)).willReturn(aResponse().withStatus(202)));
    }
}
