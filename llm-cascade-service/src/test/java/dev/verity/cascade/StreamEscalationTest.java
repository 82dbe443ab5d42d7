package dev.verity.cascade;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.verity.cascade.service.ModelGuards;
import dev.verity.cascade.standin.InjectWireMock;
import dev.verity.cascade.standin.OpenAi;
import dev.verity.cascade.standin.OpenAiStandIn;
import dev.verity.cascade.standin.ScriptedProvider;
import dev.verity.local.TestInfra;
import dev.verity.local.VerityTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every streamed answer is scored when it ends. What a low score changes: nothing once the bytes
 * are out (the OpenAI rule, the default); the next tier after a {@code verity.attempt.superseded}
 * event ({@code x-verity-stream-escalation: announce}); or, with {@code x-verity-hold-stream:
 * scored}, everything, because no attempt is released before it is scored. Every attempt's call
 * is a usage event, the passed-over one included.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_cascade_test"), @ResourceArg(name = "redis-db", value = "1")})
@WithTestResource(OpenAiStandIn.class)
@WithTestResource(ScriptedProvider.class)
class StreamEscalationTest {

    static final String TRUNCATED = "Lyon has about";
    static final String WHOLE = "Lyon has about 520,000 inhabitants.";

    @InjectWireMock
    WireMockServer wireMock;

    @Inject
    ModelGuards guards;

    @Inject
    RedisDataSource redis;

    @Inject
    ObjectMapper json;

    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void freshProviders() {
        wireMock.resetAll();
        guards.reset();
    }

    // --- announced escalation (the execution agent's streams) -----------------------------------

    @Test
    void aTruncatedStreamIsSupersededAnnouncedAndTheNextTierStreamsAfterIt() throws Exception {
        OpenAi.stub(wireMock, "small", sse("chatcmpl-small-cut", List.of("Lyon ", "has about"), "length", 30, 4));
        OpenAi.stub(wireMock, "large", sse("chatcmpl-large-whole", List.of("Lyon has about ", "520,000 inhabitants."),
                "stop", 30, 11));
        String requestId = "req-escalate-announce-" + UUID.randomUUID();

        HttpResponse<Stream<String>> response = open(requestId, "x-verity-stream-escalation", "announce");

        assertThat(response.statusCode()).isEqualTo(200);
        // The headers go out with the first chunk, before anything was scored.
        assertThat(response.headers().firstValue("x-verity-model")).hasValue("small");
        List<String> events = events(response);
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = chunks(events);
        int supersededAt = indexOfSuperseded(chunks);
        assertThat(supersededAt).isPositive();
        assertThat(text(chunks.subList(0, supersededAt))).isEqualTo(TRUNCATED);
        assertThat(chunks.subList(0, supersededAt)).allSatisfy(c -> assertThat(c.path("model").asText()).isEqualTo("small"));
        JsonNode superseded = chunks.get(supersededAt).path("superseded");
        assertThat(superseded.path("attempt").asInt()).isEqualTo(1);
        assertThat(superseded.path("model").asText()).isEqualTo("small");
        assertThat(superseded.path("reason").asText()).contains("finish_reason=length").contains("0.30 < 0.70");
        assertThat(superseded.path("quality_score").asDouble()).isEqualTo(0.3);
        assertThat(superseded.path("next_model").asText()).isEqualTo("large");
        List<JsonNode> after = chunks.subList(supersededAt + 1, chunks.size());
        assertThat(text(after)).isEqualTo(WHOLE);
        assertThat(after).allSatisfy(c -> assertThat(c.path("model").asText()).isEqualTo("large"));
        assertThat(chunks).filteredOn(c -> c.has("superseded")).hasSize(1);

        JsonNode provenance = chunks.getLast().path("provenance");
        assertThat(provenance.path("model").asText()).isEqualTo("large");
        assertThat(provenance.path("provider_request_id").asText()).isEqualTo("chatcmpl-large-whole");
        assertThat(provenance.path("degraded").asBoolean()).isFalse();
        assertThat(provenance.path("quality_score").asDouble()).isEqualTo(1.0);
        assertThat(provenance.path("attempts")).hasSize(2);
        assertThat(provenance.path("attempts").get(0).path("model").asText()).isEqualTo("small");
        assertThat(provenance.path("attempts").get(0).path("outcome").asText()).isEqualTo("low_quality");
        assertThat(provenance.path("attempts").get(0).path("quality_score").asDouble()).isEqualTo(0.3);
        assertThat(provenance.path("attempts").get(0).path("reason").asText()).contains("finish_reason=length");
        assertThat(provenance.path("attempts").get(1).path("model").asText()).isEqualTo("large");
        assertThat(provenance.path("attempts").get(1).path("outcome").asText()).isEqualTo("success");
        assertThat(provenance.path("selection_reasoning").asText())
                .contains("tier 1 small escalated: finish_reason=length")
                .contains("tier 2 large streamed and was accepted when scored at its end")
                .doesNotContain("cannot be scored");
        // Both calls were made and both are paid for: small 30/4 at 0.5/1.5, large 30/11 at 5/15 per Mtok.
        assertThat(provenance.path("total_cost_usd").asDouble())
                .isCloseTo((30 * 0.5 + 4 * 1.5 + 30 * 5 + 11 * 15) / 1e6, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(provenance.path("usage").path("completion_tokens").asInt()).isEqualTo(11);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(usageEventsOf(requestId))
                .extracting(e -> e.path("model").asText() + ":" + e.path("outcome").asText() + ":"
                        + e.path("completion_tokens").asInt())
                .containsExactlyInAnyOrder("small:success:4", "large:success:11"));
    }

    @Test
    void whenNoFurtherModelCanStartTheAnnouncedStreamKeepsItsAnswerAndSaysItIsBelowTheThreshold() throws Exception {
        OpenAi.stub(wireMock, "small", sse("chatcmpl-small-only", List.of("Lyon ", "has about"), "length", 30, 4));
        OpenAi.stub(wireMock, "large", OpenAi.error(500, "server_error"));
        OpenAi.stub(wireMock, "local", OpenAi.error(503, "overloaded"));
        ScriptedProvider.script(new ScriptedProvider.Cut());
        String requestId = "req-escalate-none-" + UUID.randomUUID();

        List<JsonNode> chunks = chunks(events(open(requestId, "x-verity-stream-escalation", "announce")));

        // Nothing is superseded by an answer that never came.
        assertThat(indexOfSuperseded(chunks)).isEqualTo(-1);
        assertThat(text(chunks)).isEqualTo(TRUNCATED);
        JsonNode provenance = chunks.getLast().path("provenance");
        assertThat(provenance.path("model").asText()).isEqualTo("small");
        assertThat(provenance.path("degraded").asBoolean()).isTrue();
        assertThat(provenance.path("quality_score").asDouble()).isEqualTo(0.3);
        assertThat(provenance.path("selection_reasoning").asText())
                .contains("no model reached quality 0.70 and no further model could start");
        assertThat(provenance.path("attempts").get(0).path("outcome").asText()).isEqualTo("low_quality");
        assertThat(provenance.path("attempts")).extracting(a -> a.path("model").asText())
                .containsExactly("small", "large", "local", "scripted");
        assertThat(String.join("\n", chunks.toString())).doesNotContain("10.0.0.7").doesNotContain("upstream says");
    }

    @Test
    void theLastModelOfThePlanScoredLowIsListedWithItsScoreAndTheAnswerIsDegraded() throws Exception {
        ScriptedProvider.script(
                new ScriptedProvider.Send(ScriptedProvider.chunk("chatcmpl-scripted-cut", "Lyon has about")),
                new ScriptedProvider.Send("data: {\"id\":\"chatcmpl-scripted-cut\",\"object\":\"chat.completion.chunk\","
                        + "\"created\":1764000000,\"model\":\"upstream-scripted\",\"choices\":[{\"index\":0,\"delta\":{},"
                        + "\"finish_reason\":\"length\"}]}\n\n"),
                new ScriptedProvider.Send(ScriptedProvider.DONE),
                new ScriptedProvider.End());
        HttpRequest only = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + TestInfra.get().tokens().mint(CascadeTest.USER))
                .header("Content-Type", "application/json")
                .header("x-verity-stream-escalation", "announce")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"scripted","fallback":"deny","stream":true,
                         "messages":[{"role":"user","content":"How many people live in Lyon?"}]}""")).build();

        List<JsonNode> chunks = chunks(events(http.send(only, HttpResponse.BodyHandlers.ofLines())));

        assertThat(indexOfSuperseded(chunks)).isEqualTo(-1);
        JsonNode provenance = chunks.getLast().path("provenance");
        assertThat(provenance.path("model").asText()).isEqualTo("scripted");
        assertThat(provenance.path("degraded").asBoolean()).isTrue();
        assertThat(provenance.path("attempts")).singleElement().satisfies(attempt -> {
            assertThat(attempt.path("outcome").asText()).isEqualTo("low_quality");
            assertThat(attempt.path("quality_score").asDouble()).isEqualTo(0.3);
            assertThat(attempt.path("reason").asText()).contains("finish_reason=length");
        });
        assertThat(provenance.path("selection_reasoning").asText()).contains("no model reached quality 0.70");
    }

    @Test
    void anAnswerThatPassesIsNotEscalatedAndNoOtherModelIsCalled() throws Exception {
        OpenAi.stub(wireMock, "small", sse("chatcmpl-small-ok", List.of("Lyon ", "and Lille."), "stop", 30, 4));

        List<JsonNode> chunks = chunks(events(open("req-escalate-pass-" + UUID.randomUUID(),
                "x-verity-stream-escalation", "announce")));

        assertThat(indexOfSuperseded(chunks)).isEqualTo(-1);
        assertThat(text(chunks)).isEqualTo("Lyon and Lille.");
        JsonNode provenance = chunks.getLast().path("provenance");
        assertThat(provenance.path("model").asText()).isEqualTo("small");
        assertThat(provenance.path("quality_score").asDouble()).isEqualTo(1.0);
        assertThat(provenance.path("attempts")).hasSize(1);
        assertThat(OpenAi.count(wireMock, "large")).isZero();
    }

    // --- the OpenAI rule (no header) ------------------------------------------------------------

    @Test
    void withoutAHeaderAStreamIsScoredAtItsEndButNeverReplaced() throws Exception {
        OpenAi.stub(wireMock, "small", sse("chatcmpl-small-live", List.of("Lyon ", "has about"), "length", 30, 4));
        OpenAi.stub(wireMock, "large", sse("chatcmpl-large-unused", List.of("OTHER MODEL"), "stop", 30, 2));
        String requestId = "req-escalate-live-" + UUID.randomUUID();

        List<JsonNode> chunks = chunks(events(open(requestId, null, null)));

        assertThat(indexOfSuperseded(chunks)).isEqualTo(-1);
        assertThat(text(chunks)).isEqualTo(TRUNCATED);
        JsonNode provenance = chunks.getLast().path("provenance");
        assertThat(provenance.path("model").asText()).isEqualTo("small");
        assertThat(provenance.path("quality_score").asDouble()).isEqualTo(0.3);
        assertThat(provenance.path("degraded").asBoolean()).isTrue();
        assertThat(provenance.path("selection_reasoning").asText())
                .contains("scored at its end below 0.70")
                .contains("no other model may continue it")
                .contains("x-verity-hold-stream: scored");
        assertThat(OpenAi.count(wireMock, "large")).isZero();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(usageEventsOf(requestId)).singleElement()
                .satisfies(e -> assertThat(e.path("model").asText()).isEqualTo("small")));
    }

    // --- held streams ---------------------------------------------------------------------------

    @Test
    void aHeldStreamReleasesOnlyTheAcceptedAnswerNamedInItsHeaders() throws Exception {
        OpenAi.stub(wireMock, "small", sse("chatcmpl-small-held", List.of("Lyon ", "has about"), "length", 30, 4));
        OpenAi.stub(wireMock, "large", sse("chatcmpl-large-held", List.of("Lyon has about ", "520,000 inhabitants."),
                "stop", 30, 11));
        String requestId = "req-escalate-held-" + UUID.randomUUID();

        HttpResponse<Stream<String>> response = open(requestId, "x-verity-hold-stream", "scored");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-verity-model")).hasValue("large");
        assertThat(response.headers().firstValue("x-verity-degraded")).hasValue("false");
        List<String> events = events(response);
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = chunks(events);
        assertThat(indexOfSuperseded(chunks)).isEqualTo(-1);
        // Nothing of the passed-over answer reached the caller.
        assertThat(text(chunks)).isEqualTo(WHOLE);
        assertThat(chunks).allSatisfy(c -> assertThat(c.path("model").asText()).isEqualTo("large"));
        JsonNode provenance = chunks.getLast().path("provenance");
        assertThat(provenance.path("attempts")).extracting(a -> a.path("outcome").asText())
                .containsExactly("low_quality", "success");
        assertThat(provenance.path("attempts").get(0).path("quality_score").asDouble()).isEqualTo(0.3);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(usageEventsOf(requestId))
                .extracting(e -> e.path("model").asText()).containsExactlyInAnyOrder("small", "large"));
    }

    @Test
    void aHeldAttemptThatBreaksMidStreamMovesOnBecauseTheCallerSawNoneOfIt() throws Exception {
        OpenAi.stub(wireMock, "small", aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
                .withBody(ScriptedProvider.chunk("chatcmpl-small-broken", "Lyon ")
                        + "data: {\"error\":{\"message\":\"upstream says: internal http://10.0.0.7\"}}\n\n"));
        OpenAi.stub(wireMock, "large", sse("chatcmpl-large-after", List.of("Lyon has about ", "520,000 inhabitants."),
                "stop", 30, 11));

        HttpResponse<Stream<String>> response = open("req-escalate-held-broken-" + UUID.randomUUID(),
                "x-verity-hold-stream", "scored");

        assertThat(response.headers().firstValue("x-verity-model")).hasValue("large");
        List<String> events = events(response);
        List<JsonNode> chunks = chunks(events);
        assertThat(text(chunks)).isEqualTo(WHOLE);
        JsonNode provenance = chunks.getLast().path("provenance");
        assertThat(provenance.path("attempts").get(0).path("outcome").asText()).isEqualTo("upstream_error");
        assertThat(provenance.path("degraded").asBoolean()).isTrue();
        assertThat(String.join("\n", events)).doesNotContain("10.0.0.7").doesNotContain("upstream says");
    }

    @Test
    void whenNoHeldAnswerReachesTheThresholdTheBestIsReleasedAsDegraded() throws Exception {
        OpenAi.stub(wireMock, "small", sse("chatcmpl-small-low", List.of("Lyon"), "length", 30, 1));
        OpenAi.stub(wireMock, "large", sse("chatcmpl-large-filtered", List.of("Lyon is"), "content_filter", 30, 2));
        OpenAi.stub(wireMock, "local", OpenAi.error(500, "server_error"));
        ScriptedProvider.script(new ScriptedProvider.Cut());

        HttpResponse<Stream<String>> response = open("req-escalate-held-best-" + UUID.randomUUID(),
                "x-verity-hold-stream", "scored");

        assertThat(response.headers().firstValue("x-verity-model")).hasValue("small");
        assertThat(response.headers().firstValue("x-verity-degraded")).hasValue("true");
        List<JsonNode> chunks = chunks(events(response));
        assertThat(text(chunks)).isEqualTo("Lyon");
        JsonNode provenance = chunks.getLast().path("provenance");
        assertThat(provenance.path("degraded").asBoolean()).isTrue();
        assertThat(provenance.path("selection_reasoning").asText())
                .contains("no model reached quality 0.70: best real answer is tier 1 small's");
    }

    @Test
    void aHeldStreamWithNoModelAnsweringIsAProblemNotAStream() throws Exception {
        OpenAi.stub(wireMock, "small", OpenAi.error(500, "server_error"));
        OpenAi.stub(wireMock, "large", OpenAi.error(500, "server_error"));
        OpenAi.stub(wireMock, "local", OpenAi.error(500, "server_error"));
        ScriptedProvider.script(new ScriptedProvider.Cut());

        HttpResponse<String> response = http.send(request("req-escalate-held-none-" + UUID.randomUUID(),
                "x-verity-hold-stream", "scored"), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isGreaterThanOrEqualTo(500);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(response.body()).doesNotContain("data:").doesNotContain("10.0.0.7");
    }

    // --- bad headers ----------------------------------------------------------------------------

    @Test
    void anUnknownHoldValueIsRefusedBeforeAnyModelIsCalled() throws Exception {
        HttpResponse<String> response = http.send(request("req-escalate-bad-" + UUID.randomUUID(),
                "x-verity-hold-stream", "always"), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(read(response.body()).path("error_type").asText()).isEqualTo("invalid_request");
        assertThat(read(response.body()).path("detail").asText()).contains("x-verity-hold-stream").contains("scored");
        assertThat(OpenAi.count(wireMock, "small")).isZero();
    }

    @Test
    void holdAndAnnounceTogetherAreRefused() throws Exception {
        HttpRequest both = HttpRequest.newBuilder(request("req-escalate-both-" + UUID.randomUUID(),
                "x-verity-hold-stream", "scored"), (name, value) -> true)
                .header("x-verity-stream-escalation", "announce").build();

        HttpResponse<String> response = http.send(both, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(OpenAi.count(wireMock, "small")).isZero();
    }

    // --- helpers --------------------------------------------------------------------------------

    HttpRequest request(String requestId, String header, String value) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + RestAssured.port + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + TestInfra.get().tokens().mint(CascadeTest.USER))
                .header("Content-Type", "application/json")
                .header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model":"auto","stream":true,"stream_options":{"include_usage":true},
                         "messages":[{"role":"user","content":"How many people live in Lyon?"}]}"""));
        if (header != null) {
            builder.header(header, value);
        }
        return builder.build();
    }

    HttpResponse<Stream<String>> open(String requestId, String header, String value) throws Exception {
        return http.send(request(requestId, header, value), HttpResponse.BodyHandlers.ofLines());
    }

    static List<String> events(HttpResponse<Stream<String>> response) {
        try (Stream<String> lines = response.body()) {
            return lines.filter(line -> line.startsWith("data: ")).map(line -> line.substring("data: ".length())).toList();
        }
    }

    List<JsonNode> chunks(List<String> events) {
        return events.stream().filter(e -> !e.equals("[DONE]")).map(this::read).toList();
    }

    static int indexOfSuperseded(List<JsonNode> chunks) {
        for (int i = 0; i < chunks.size(); i++) {
            if ("verity.attempt.superseded".equals(chunks.get(i).path("object").asText())) {
                return i;
            }
        }
        return -1;
    }

    static String text(List<JsonNode> chunks) {
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.path("choices").forEach(choice -> text.append(choice.path("delta").path("content").asText(""))));
        return text.toString();
    }

    JsonNode read(String value) {
        try {
            return json.readTree(value);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + value, e);
        }
    }

    List<JsonNode> usageEventsOf(String requestId) {
        return redis.stream(String.class).xrange("verity:usage", StreamRange.of("-", "+")).stream()
                .map(message -> read(message.payload().get("event")))
                .filter(event -> requestId.equals(event.path("request_id").asText()))
                .toList();
    }

    /** A provider's whole SSE answer: text pieces, the finish reason, usage, {@code [DONE]}. */
    static ResponseDefinitionBuilder sse(String id, List<String> pieces, String finishReason, int prompt, int completion) {
        StringBuilder body = new StringBuilder();
        pieces.forEach(piece -> body.append(ScriptedProvider.chunk(id, piece)));
        body.append("data: {\"id\":\"").append(id).append("\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,"
                + "\"model\":\"upstream\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"")
                .append(finishReason).append("\"}]}\n\n");
        body.append(ScriptedProvider.usage(id, prompt, completion)).append(ScriptedProvider.DONE);
        return aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream").withBody(body.toString());
    }
}
