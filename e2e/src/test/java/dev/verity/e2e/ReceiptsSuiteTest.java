package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.receipt.Json;
import dev.verity.contract.receipt.ReceiptVerifier;
import dev.verity.contract.receipt.ReceivedAnswer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Receipts verified from outside, as a client would: nothing but the JWKS the gateway publishes
 * (no test key, no secret), for a plain completion, a stream, an agent run (HTTP and WebSocket)
 * and a metrics result; and a real answer that sounds like a canned apology is delivered.
 */
class ReceiptsSuiteTest {

    private static final String APOLOGY = "I apologize, but I encountered an error calling the metrics tool; "
            + "from the data I have, p95 latency was 812 ms.";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static VerityStack stack;
    private static String mid;
    private static ReceiptVerifier verifier;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
        mid = Users.token(Users.of("mid", "org-receipts-suite"));
        Http.Reply keys = Http.get(stack.gateway() + "/.well-known/verity/receipt-keys", null);
        assertThat(keys.status()).as(keys.body()).isEqualTo(200);
        verifier = ReceiptVerifier.fromJwks(keys.body());
    }

    @BeforeEach
    void clearFaults() {
        stack.provider().reset();
    }

    private static ReceivedAnswer received(JsonNode provenance, String requestId, String content) {
        return new ReceivedAnswer(requestId, provenance.path("model").asText(), provenance.path("provider_request_id").asText(),
                provenance.path("degraded").asBoolean(), content, null, List.of(), Json.parse(provenance.path("attempts").toString()));
    }

    @Test
    void aCompletionThatSoundsLikeACannedApologyIsDeliveredWithAReceiptThatVerifies() throws Exception {
        String providerId = stack.provider().answers("small", APOLOGY);

        Http.Reply reply = Http.post(stack.gateway() + "/v1/chat/completions", mid,
                "{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"content\":\"How fast were my calls?\"}]}");

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode body = reply.json();
        JsonNode provenance = body.path("provenance");
        String content = body.path("choices").get(0).path("message").path("content").asText();
        assertThat(content).isEqualTo(APOLOGY);
        assertThat(provenance.has("receipt_mac")).isFalse();
        Map<String, Object> claims = verifier.verifyAnswer(provenance.path("receipt").asText(),
                received(provenance, reply.header("x-verity-request-id"), content));
        assertThat(claims).containsEntry("provider_request_id", providerId).containsEntry("model", "small")
                .containsEntry("iss", "llm-cascade");
        assertThat(reply.header("x-verity-receipt")).isEqualTo(provenance.path("receipt").asText());
    }

    @Test
    void aStreamedAnswersLastChunkCarriesAReceiptOverEverythingStreamed() throws Exception {
        stack.provider().answers("small", APOLOGY);
        HttpRequest request = HttpRequest.newBuilder(URI.create(stack.gateway() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + mid).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"small\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"How fast?\"}]}"))
                .build();

        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        List<String> events = response.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertThat(events.getLast()).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        JsonNode last = null;
        for (String event : events.subList(0, events.size() - 1)) {
            JsonNode chunk = JSON.readTree(event);
            chunk.path("choices").forEach(choice -> text.append(choice.path("delta").path("content").asText("")));
            last = chunk;
        }
        assertThat(text.toString()).isEqualTo(APOLOGY);
        JsonNode provenance = last.path("provenance");
        assertThat(provenance.has("receipt_mac")).isFalse();
        assertThat(verifier.verifyAnswer(provenance.path("receipt").asText(),
                received(provenance, response.headers().firstValue("x-verity-request-id").orElseThrow(), text.toString())))
                .containsEntry("streamed", true);
    }

    @Test
    void anAgentRunsAnswerCarriesTheReceiptOfTheModelTextTheUserGot() throws Exception {
        stack.provider().answers("small", APOLOGY);

        Http.Reply reply = Http.post(stack.gateway() + "/api/v1/chat", mid, "{\"message\":\"How fast were my calls?\"}",
                Http.deadlineIn(Duration.ofSeconds(20)));

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode body = reply.json();
        assertThat(body.path("response").asText()).isEqualTo(APOLOGY);
        JsonNode provenance = body.path("provenance");
        assertThat(provenance.has("receipt_mac")).isFalse();
        assertThat(verifier.verifyAnswer(provenance.path("receipt").asText(),
                received(provenance, body.path("request_id").asText(), body.path("response").asText())))
                .containsEntry("iss", "llm-cascade");
    }

    @Test
    void anAgentRunOverTheSocketCompletesWithAReceiptThatVerifies() throws Exception {
        // Not the apology: the socket's agent_thinking deltas are pieces no receipt covers on its own,
        // so the scanner still holds them to the phrase list.
        stack.provider().answers("small", "Your p95 latency over the last day was 812 ms.");
        try (EventStream socket = EventStream.open(stack.gateway(), mid)) {
            socket.run("How fast were my calls?", "ref-receipt");
            await().atMost(Duration.ofSeconds(30)).until(() -> !socket.ofType("agent_started").isEmpty()
                    && !socket.terminalsOf(socket.ofType("agent_started").getFirst().path("request_id").asText()).isEmpty());
            String requestId = socket.ofType("agent_started").getFirst().path("request_id").asText();
            JsonNode completed = socket.terminalsOf(requestId).getFirst();

            assertThat(completed.path("type").asText()).isEqualTo("agent_completed");
            JsonNode data = completed.path("data");
            assertThat(verifier.verifyAnswer(data.path("provenance").path("receipt").asText(),
                    received(data.path("provenance"), requestId, data.path("response").asText()))).containsKey("content_sha256");
            // The gateway checked the internal MAC before the socket got the event, and removed it.
            assertThat(data.path("provenance").has("receipt_mac")).isFalse();
            assertThat(socket.frames).noneMatch(frame -> frame.toString().contains("receipt_mac"));

            // A client that reconnects gets the same answer replayed from the event log, held to the same check.
            String startedId = socket.ofType("agent_started").getFirst().path("event_id").asText();
            try (EventStream resumed = EventStream.open(stack.gateway(), mid, startedId)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> !resumed.ofType("resumed").isEmpty());
                JsonNode replayed = resumed.terminalsOf(requestId).getFirst();
                assertThat(replayed.path("type").asText()).isEqualTo("agent_completed");
                assertThat(replayed.path("event_id").asText()).isEqualTo(completed.path("event_id").asText());
                assertThat(replayed.toString()).doesNotContain("receipt_mac");
                verifier.verifyAnswer(replayed.path("data").path("provenance").path("receipt").asText(),
                        received(replayed.path("data").path("provenance"), requestId, replayed.path("data").path("response").asText()));
            }
        }
    }

    @Test
    void aMetricsResultCarriesADataAgentReceiptOverTheResultAndItsSource() throws Exception {
        String token = Users.token(Users.of("mid", "org-receipts-metrics"));
        Instant now = Instant.now();
        String query = """
                {"metrics":["tokens"],"from":"%s","to":"%s","bucket":"PT2H"}""".formatted(now.minus(1, ChronoUnit.HOURS),
                now.plus(1, ChronoUnit.HOURS));

        Http.Reply reply = Http.post(stack.gateway() + "/api/v1/metrics/query", token, query);

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        ObjectNode result = (ObjectNode) reply.json();
        String receipt = result.path("receipt").asText();
        assertThat(result.has("receipt_mac")).isFalse();
        result.remove("receipt");
        Map<String, Object> claims = verifier.verifyData(receipt, result.toString(), reply.header("x-verity-request-id"));
        assertThat(claims).containsEntry("iss", "data-agent").containsEntry("kind", "data_result").containsKey("source");
        ((ObjectNode) result.path("source")).put("degraded", !result.path("source").path("degraded").asBoolean());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> verifier.verifyData(receipt, result.toString(), null))
                .hasMessage("result differs from the receipt");
    }
}
