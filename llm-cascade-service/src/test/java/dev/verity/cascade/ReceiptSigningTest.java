package dev.verity.cascade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.verity.cascade.service.ModelGuards;
import dev.verity.cascade.standin.InjectWireMock;
import dev.verity.cascade.standin.OpenAi;
import dev.verity.cascade.standin.OpenAiStandIn;
import dev.verity.contract.receipt.Digests;
import dev.verity.contract.receipt.InvalidReceipt;
import dev.verity.contract.receipt.Json;
import dev.verity.contract.receipt.ReceiptKey;
import dev.verity.contract.receipt.ReceiptVerifier;
import dev.verity.contract.receipt.ReceivedAnswer;
import dev.verity.local.TestInfra;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every answer the cascade relays carries a receipt over exactly what the caller receives,
 * verifiable with the public key alone: plain, streamed, with tool calls, and served from the cache.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_cascade_test"), @ResourceArg(name = "redis-db", value = "1")})
@WithTestResource(OpenAiStandIn.class)
class ReceiptSigningTest {

    static final String APOLOGY = "I apologize, but I encountered an error calling the metrics tool; from the data I have, "
            + "p95 latency was 812 ms.";

    @InjectWireMock
    WireMockServer wireMock;

    @Inject
    ModelGuards guards;

    @Inject
    ObjectMapper json;

    final ReceiptVerifier verifier = new ReceiptVerifier(List.of(ReceiptKey.parse(
            TestInfra.get().receiptKeys().kid() + ":" + TestInfra.get().receiptKeys().publicKey())));

    @BeforeEach
    void fresh() {
        wireMock.resetAll();
        guards.reset();
    }

    private ReceivedAnswer received(JsonNode body, String requestId, String content) {
        JsonNode provenance = body.path("provenance");
        return new ReceivedAnswer(requestId, provenance.path("model").asText(), provenance.path("provider_request_id").asText(),
                provenance.path("degraded").asBoolean(), content, null, List.of(), Json.parse(provenance.path("attempts").toString()));
    }

    @Test
    void aRealAnswerThatSoundsLikeACannedApologyIsSignedAsItIs() throws Exception {
        OpenAi.stub(wireMock, "small", OpenAi.answer("chatcmpl-apology-1", APOLOGY, "stop", 31, 40));
        String requestId = "req-receipt-" + UUID.randomUUID();

        Response response = CascadeTest.ask(CascadeTest.chat("auto", ""), requestId);

        response.then().statusCode(200);
        JsonNode body = json.readTree(response.asString());
        String receipt = body.path("provenance").path("receipt").asText();
        assertThat(response.header("x-verity-receipt")).isEqualTo(receipt);
        assertThat(body.path("provenance").path("receipt_mac").asText()).isNotBlank();
        Map<String, Object> claims = verifier.verifyAnswer(receipt, received(body, requestId, APOLOGY));
        assertThat(claims).containsEntry("iss", "llm-cascade").containsEntry("model", "small")
                .containsEntry("upstream_model", OpenAiStandIn.SMALL_UPSTREAM).containsEntry("provider", "openai-compatible")
                .containsEntry("provider_request_id", "chatcmpl-apology-1").containsEntry("streamed", false)
                .containsEntry("usage", Map.of("prompt_tokens", 31L, "completion_tokens", 40L))
                .containsKeys("produced_at", "attempts_sha256").doesNotContainKey("tool_calls_sha256");
        assertThatThrownBy(() -> verifier.verifyAnswer(receipt, received(body, requestId, APOLOGY.replace("812", "813"))))
                .isInstanceOf(InvalidReceipt.class).hasMessageContaining("content_sha256");
    }

    @Test
    void toolCallsAreCoveredByTheirOwnDigest() throws Exception {
        String arguments = "{\\\"metric\\\":\\\"latency_p95\\\"}";
        OpenAi.stub(wireMock, "small", OpenAi.completion("chatcmpl-tools-1", """
                {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                 "function":{"name":"query_metrics","arguments":"%s"}}]}""".formatted(arguments), "tool_calls", 30, 12, ""));
        String requestId = "req-receipt-tools-" + UUID.randomUUID();

        Response response = CascadeTest.ask(CascadeTest.chat("auto", ""), requestId);

        JsonNode body = json.readTree(response.asString());
        JsonNode provenance = body.path("provenance");
        Map<String, Object> claims = verifier.verifyAnswer(provenance.path("receipt").asText(), new ReceivedAnswer(requestId,
                "small", "chatcmpl-tools-1", provenance.path("degraded").asBoolean(), "", null,
                List.of(new Digests.ToolCallText("call_1", "query_metrics", "{\"metric\":\"latency_p95\"}")), null));
        assertThat(claims).containsKey("tool_calls_sha256");
        assertThatThrownBy(() -> verifier.verifyAnswer(provenance.path("receipt").asText(), new ReceivedAnswer(requestId,
                "small", "chatcmpl-tools-1", provenance.path("degraded").asBoolean(), "", null,
                List.of(new Digests.ToolCallText("call_1", "query_metrics", "{\"metric\":\"error_rate\"}")), null)))
                .hasMessageContaining("tool_calls_sha256");
    }

    @Test
    void aCachedAnswerIsSignedAgainForTheRequestThatReceivesIt() throws Exception {
        OpenAi.stub(wireMock, "small", OpenAi.answer("chatcmpl-cached-" + UUID.randomUUID(), "About 520,000.", "stop", 31, 5));
        String question = CascadeTest.chat("auto", ",\"cache\":true").replace("Lyon", "Lyon " + UUID.randomUUID());
        String first = "req-first-" + UUID.randomUUID();
        String second = "req-second-" + UUID.randomUUID();

        JsonNode original = json.readTree(CascadeTest.ask(question, first).asString());
        JsonNode[] hit = new JsonNode[1];
        org.awaitility.Awaitility.await().untilAsserted(() -> {
            hit[0] = json.readTree(CascadeTest.ask(question, second).asString());
            assertThat(hit[0].path("provenance").path("cache_hit").asBoolean()).isTrue();
        });

        Map<String, Object> claims = verifier.verifyAnswer(hit[0].path("provenance").path("receipt").asText(),
                received(hit[0], second, "About 520,000."));
        assertThat(claims).containsEntry("cache_hit", true).containsEntry("upstream_model", OpenAiStandIn.SMALL_UPSTREAM);
        assertThat(verifier.verifyAnswer(original.path("provenance").path("receipt").asText(),
                received(original, first, "About 520,000."))).containsEntry("cache_hit", false);
    }

    @Test
    void aStreamedAnswersLastChunkCarriesTheReceiptOfEverythingStreamed() throws Exception {
        wireMock.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(OpenAi.path("small"))
                .willReturn(StreamingTest.sse("chatcmpl-stream-receipt", List.of("I apologize, ", "but p95 ", "was 812 ms."), true)));
        String requestId = "req-stream-receipt-" + UUID.randomUUID();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + TestInfra.get().tokens().mint(CascadeTest.USER))
                .header("Content-Type", "application/json").header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString(StreamingTest.streamed("small", ",\"fallback\":\"deny\""))).build();

        List<String> events = StreamingTest.events(HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofLines()));

        List<JsonNode> chunks = events.stream().filter(e -> !e.equals("[DONE]")).map(this::read).toList();
        JsonNode last = chunks.getLast();
        String text = StreamingTest.text(chunks);
        assertThat(text).isEqualTo("I apologize, but p95 was 812 ms.");
        assertThat(events.getLast()).isEqualTo("[DONE]");
        Map<String, Object> claims = verifier.verifyAnswer(last.path("provenance").path("receipt").asText(),
                received(last, requestId, text));
        assertThat(claims).containsEntry("streamed", true).containsEntry("provider_request_id", "chatcmpl-stream-receipt");
        assertThatThrownBy(() -> verifier.verifyAnswer(last.path("provenance").path("receipt").asText(),
                received(last, requestId, text.substring(1)))).hasMessageContaining("content_sha256");
    }

    private JsonNode read(String event) {
        try {
            return json.readTree(event);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
