package dev.verity.cascade;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.SseException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.verity.cascade.service.ModelGuards;
import dev.verity.cascade.standin.InjectWireMock;
import dev.verity.cascade.standin.OpenAi;
import dev.verity.cascade.standin.OpenAiStandIn;
import dev.verity.cascade.standin.ScriptedProvider;
import dev.verity.cascade.standin.ScriptedProvider.Await;
import dev.verity.cascade.standin.ScriptedProvider.Cut;
import dev.verity.cascade.standin.ScriptedProvider.End;
import dev.verity.cascade.standin.ScriptedProvider.Send;
import dev.verity.local.PrometheusText;
import dev.verity.local.TestInfra;
import dev.verity.local.VerityTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code "stream": true}: Server-Sent Events relayed from the provider as they come, the route
 * chosen before the first byte, and every failure after it ending in one error event without
 * {@code [DONE]}. Providers: WireMock for whole SSE bodies and faults before the first byte, a
 * scripted Vert.x stand-in for streams that break, stall or wait for the test.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_cascade_test"), @ResourceArg(name = "redis-db", value = "1")})
@WithTestResource(OpenAiStandIn.class)
@WithTestResource(ScriptedProvider.class)
class StreamingTest {

    static final String ID = "chatcmpl-stream-1";

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

    // --- helpers -------------------------------------------------------------------------------

    static String streamed(String model, String extra) {
        return """
                {"model":"%s","stream":true,"messages":[{"role":"user","content":"Name three French cities."}]%s}"""
                .formatted(model, extra);
    }

    HttpRequest post(String body, String requestId) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + TestInfra.get().tokens().mint(CascadeTest.USER))
                .header("Content-Type", "application/json")
                .header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    HttpResponse<Stream<String>> open(String body, String requestId) throws Exception {
        return http.send(post(body, requestId), HttpResponse.BodyHandlers.ofLines());
    }

    /** The data of every event of a finished stream, in order. */
    static List<String> events(HttpResponse<Stream<String>> response) {
        try (Stream<String> lines = response.body()) {
            return lines.filter(line -> line.startsWith("data: ")).map(line -> line.substring("data: ".length())).toList();
        }
    }

    List<JsonNode> chunks(List<String> events) {
        return events.stream().filter(e -> !e.equals("[DONE]")).map(this::read).toList();
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

    static String sseBody(String id, List<String> pieces, boolean withUsage) {
        StringBuilder body = new StringBuilder("data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\","
                + "\"created\":1764000000,\"model\":\"upstream\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                + "\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        pieces.forEach(piece -> body.append(ScriptedProvider.chunk(id, piece)));
        body.append(ScriptedProvider.finish(id));
        if (withUsage) {
            body.append(ScriptedProvider.usage(id, 21, 9));
        }
        return body.append(ScriptedProvider.DONE).toString();
    }

    static ResponseDefinitionBuilder sse(String id, List<String> pieces, boolean withUsage) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
                .withBody(sseBody(id, pieces, withUsage))
                .withChunkedDribbleDelay(pieces.size() + 3, 300);
    }

    // --- happy streams -------------------------------------------------------------------------

    @Test
    void chunksArriveAsTheProviderSendsThemAndEndWithProvenance() throws Exception {
        CountDownLatch clientGotFirst = new CountDownLatch(1);
        ScriptedProvider.script(
                new Send(ScriptedProvider.chunk(ID, "Lyon, ")),
                new Await(clientGotFirst),
                new Send(ScriptedProvider.chunk(ID, "Lille, ")),
                new Send(ScriptedProvider.chunk(ID, "Nice.")),
                new Send(ScriptedProvider.finish(ID)),
                new Send(ScriptedProvider.usage(ID, 14, 6)),
                new Send(ScriptedProvider.DONE),
                new End());
        String requestId = "req-stream-happy-" + UUID.randomUUID();

        HttpResponse<Stream<String>> response = open(streamed("scripted",
                ",\"fallback\":\"deny\",\"stream_options\":{\"include_usage\":true}"), requestId);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(response.headers().firstValue("x-verity-model")).hasValue("scripted");
        assertThat(response.headers().firstValue("x-verity-degraded")).hasValue("false");
        assertThat(response.headers().firstValue("x-verity-request-id")).hasValue(requestId);
        List<String> events = new ArrayList<>();
        try (Stream<String> lines = response.body()) {
            Iterator<String> it = lines.filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).iterator();
            // The first chunk is here while the provider still holds back the rest: nothing is buffered.
            events.add(it.next());
            assertThat(ScriptedProvider.calls().getFirst().finished()).isFalse();
            clientGotFirst.countDown();
            it.forEachRemaining(events::add);
        }

        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = chunks(events);
        assertThat(text(chunks)).isEqualTo("Lyon, Lille, Nice.");
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.path("model").asText()).isEqualTo("scripted");
            assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.path("id").asText()).isEqualTo(ID);
        });
        JsonNode last = chunks.getLast();
        assertThat(last.path("choices").isEmpty()).isTrue();
        assertThat(last.path("usage").path("prompt_tokens").asInt()).isEqualTo(14);
        assertThat(last.path("usage").path("completion_tokens").asInt()).isEqualTo(6);
        assertThat(last.path("provenance").path("model").asText()).isEqualTo("scripted");
        assertThat(last.path("provenance").path("provider_request_id").asText()).isEqualTo(ID);
        assertThat(last.path("provenance").path("degraded").asBoolean()).isFalse();
        assertThat(last.path("provenance").path("usage").path("completion_tokens").asInt()).isEqualTo(6);
        assertThat(last.path("provenance").path("selection_reasoning").asText()).contains("scripted");
        assertThat(RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString())
                .containsPattern("verity_cascade_streams_total\\{[^}]*model=\"scripted\",stage=\"started\"[^}]*} [1-9]")
                .containsPattern("verity_cascade_streams_total\\{[^}]*model=\"scripted\",stage=\"completed\"[^}]*} [1-9]");
        // Only the last chunk carries usage and provenance.
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> {
            assertThat(c.has("provenance")).isFalse();
            assertThat(c.has("usage")).isFalse();
        });
        // The caller's include_usage reached the provider.
        assertThat(read(ScriptedProvider.calls().getFirst().body()).path("stream_options").path("include_usage").asBoolean())
                .isTrue();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(usageEventsOf(requestId)).singleElement()
                .satisfies(event -> {
                    assertThat(event.path("model").asText()).isEqualTo("scripted");
                    assertThat(event.path("outcome").asText()).isEqualTo("success");
                    assertThat(event.path("prompt_tokens").asInt()).isEqualTo(14);
                    assertThat(event.path("completion_tokens").asInt()).isEqualTo(6);
                }));
    }

    @Test
    void includeUsageIsForwardedAndUsageTheProviderDidNotReportIsNull() throws Exception {
        OpenAi.stub(wireMock, "small", sse("chatcmpl-small-s1", List.of("Paris", ", Lyon"), false));
        String requestId = "req-stream-nousage-" + UUID.randomUUID();

        List<String> events = events(open(streamed("small", ",\"stream_options\":{\"include_usage\":true}"), requestId));

        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = chunks(events);
        assertThat(text(chunks)).isEqualTo("Paris, Lyon");
        JsonNode last = chunks.getLast();
        assertThat(last.has("usage")).isTrue();
        assertThat(last.path("usage").isNull()).isTrue();
        assertThat(last.path("provenance").path("usage").isNull()).isTrue();
        assertThat(last.path("provenance").has("total_cost_usd")).isFalse();
        wireMock.verify(1, OpenAi.calls("small")
                .withRequestBody(matchingJsonPath("$.stream", equalTo("true")))
                .withRequestBody(matchingJsonPath("$.stream_options.include_usage", equalTo("true")))
                .withRequestBody(matchingJsonPath("$.model", equalTo(OpenAiStandIn.SMALL_UPSTREAM))));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(usageEventsOf(requestId)).singleElement()
                .satisfies(event -> {
                    assertThat(event.path("outcome").asText()).isEqualTo("success");
                    assertThat(event.has("prompt_tokens")).isFalse();
                    assertThat(event.has("completion_tokens")).isFalse();
                    assertThat(event.has("cost_usd")).isFalse();
                }));
    }

    @Test
    void theOfficialSdkStreamsTheAnswerAndSeesProvenance() {
        OpenAi.stub(wireMock, "small", sse("chatcmpl-sdk-1", List.of("Marseille", " and ", "Bordeaux"), true));
        OpenAIClient client = sdk();

        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> received = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("small").addUserMessage("Two French cities?")
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                received.add(chunk);
                chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
            });
        }

        assertThat(text.toString()).isEqualTo("Marseille and Bordeaux");
        ChatCompletionChunk last = received.getLast();
        assertThat(last.usage()).hasValueSatisfying(usage -> assertThat(usage.completionTokens()).isEqualTo(9));
        JsonValue provenance = last._additionalProperties().get("provenance");
        assertThat(provenance).isNotNull();
        assertThat(provenance.toString()).contains("small").contains("chatcmpl-sdk-1");
    }

    @Test
    void theOfficialSdkRaisesOnAMidStreamError() {
        ScriptedProvider.script(
                new Send(ScriptedProvider.chunk(ID, "Toulouse")),
                new Send("data: {\"error\":{\"message\":\"upstream says: internal detail http://10.0.0.7/secret\",\"type\":\"server_error\"}}\n\n"));
        OpenAIClient client = sdk();

        StringBuilder text = new StringBuilder();
        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                    ChatCompletionCreateParams.builder().model("scripted").addUserMessage("A French city?")
                            .putAdditionalBodyProperty("fallback", JsonValue.from("deny")).build())) {
                stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append)));
            }
        }).isInstanceOfSatisfying(SseException.class,
                e -> assertThat(e.body().toString()).contains("llm_upstream_error").doesNotContain("10.0.0.7"));
        assertThat(text.toString()).isEqualTo("Toulouse");
    }

    OpenAIClient sdk() {
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://localhost:" + RestAssured.port + "/v1")
                .apiKey(TestInfra.get().tokens().mint(CascadeTest.USER))
                .maxRetries(0)
                .build();
    }

    // --- failures before the first chunk --------------------------------------------------------

    static Stream<Arguments> faultsBeforeTheFirstChunk() {
        return Stream.of(
                Arguments.of("HTTP 401", OpenAi.error(401, "invalid_api_key")),
                Arguments.of("HTTP 404", OpenAi.error(404, "model_not_found")),
                Arguments.of("HTTP 429", OpenAi.error(429, "rate_limit_exceeded")),
                Arguments.of("HTTP 500", OpenAi.error(500, "server_error")),
                Arguments.of("connection reset", aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)),
                Arguments.of("no first chunk within the timeout", sse("chatcmpl-late", List.of("late"), false)
                        .withFixedDelay((int) OpenAiStandIn.SMALL_TIMEOUT_MS + 1000)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("faultsBeforeTheFirstChunk")
    void aModelFailingBeforeItsFirstChunkHandsTheStreamToTheNextModel(String name, ResponseDefinitionBuilder fault)
            throws Exception {
        OpenAi.stub(wireMock, "small", fault);
        OpenAi.stub(wireMock, "large", sse("chatcmpl-large-s", List.of("Strasbourg"), false));
        BigDecimal fallbacks = value(scrape(), "verity_cascade_fallbacks_total", Map.of("model", "large"));

        HttpResponse<Stream<String>> response = open(streamed("auto", ""), "req-stream-next-" + UUID.randomUUID());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-verity-model")).hasValue("large");
        assertThat(response.headers().firstValue("x-verity-degraded")).hasValue("true");
        List<String> events = events(response);
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = chunks(events);
        assertThat(text(chunks)).isEqualTo("Strasbourg");
        assertThat(chunks).allSatisfy(c -> assertThat(c.path("model").asText()).isEqualTo("large"));
        JsonNode provenance = chunks.getLast().path("provenance");
        assertThat(provenance.path("model").asText()).isEqualTo("large");
        assertThat(provenance.path("degraded").asBoolean()).isTrue();
        assertThat(provenance.path("attempts").get(0).path("model").asText()).isEqualTo("small");
        assertThat(provenance.path("attempts").get(0).path("outcome").asText()).isNotEqualTo("success");
        String all = String.join("\n", events);
        assertThat(all).doesNotContain("10.0.0.7").doesNotContain("upstream says");
        assertThat(value(scrape(), "verity_cascade_fallbacks_total", Map.of("model", "large")))
                .isEqualByComparingTo(fallbacks.add(BigDecimal.ONE));
    }

    @Test
    void failedStreamStartsOpenTheModelsBreakerAndLaterStreamsSkipIt() throws Exception {
        OpenAi.stub(wireMock, "small", OpenAi.error(500, "server_error"));
        OpenAi.stub(wireMock, "large", sse("chatcmpl-large-b", List.of("Brest"), false));
        for (int i = 0; i < OpenAiStandIn.BREAKER_WINDOW; i++) {
            assertThat(events(open(streamed("auto", ""), "req-stream-breaker-" + UUID.randomUUID())).getLast())
                    .isEqualTo("[DONE]");
        }
        int smallCalls = OpenAi.count(wireMock, "small");

        List<String> events = events(open(streamed("auto", ""), "req-stream-breaker-" + UUID.randomUUID()));

        assertThat(OpenAi.count(wireMock, "small")).isEqualTo(smallCalls);
        JsonNode provenance = chunks(events).getLast().path("provenance");
        assertThat(provenance.path("model").asText()).isEqualTo("large");
        assertThat(provenance.path("attempts").get(0).path("outcome").asText()).isEqualTo("circuit_open");
    }

    @Test
    void withNoOtherModelAFailureBeforeTheFirstChunkIsAProblemNotAStream() throws Exception {
        OpenAi.stub(wireMock, "small", OpenAi.error(429, "rate_limit_exceeded").withHeader("Retry-After", "7"));

        HttpResponse<String> response = http.send(post(streamed("small", ",\"fallback\":\"deny\""),
                "req-stream-problem-" + UUID.randomUUID()), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("retry-after")).hasValue("7");
        JsonNode problem = read(response.body());
        assertThat(problem.path("error_type").asText()).isEqualTo("llm_rate_limited");
        assertThat(problem.path("retryable").asBoolean()).isTrue();
        assertThat(response.body()).doesNotContain("data:").doesNotContain("upstream says");
    }

    @Test
    void aSuccessStatusWithoutAnEventStreamIsAnInvalidResponseNotAStream() throws Exception {
        OpenAi.stub(wireMock, "small", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                .withBody("{\"id\":\"chatcmpl-json\",\"object\":\"chat.completion\",\"choices\":[]}"));

        HttpResponse<String> response = http.send(post(streamed("small", ",\"fallback\":\"deny\""),
                "req-stream-json-" + UUID.randomUUID()), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(read(response.body()).path("error_type").asText()).isEqualTo("llm_invalid_response");
        assertThat(response.body()).doesNotContain("data:");
    }

    // --- failures after the first chunk ---------------------------------------------------------

    static Stream<Arguments> midStreamFailures() {
        String malformed = "data: {\"id\":\"" + ID + "\",\"choices\":[{\"delta\":{\"content\":\"Ni\n\n";
        String errorChunk = "data: {\"error\":{\"message\":\"upstream says: overloaded at http://10.0.0.7\",\"type\":\"server_error\"}}\n\n";
        return Stream.of(
                Arguments.of("cut connection", new Send(""), new Cut(), "llm_upstream_error", "error"),
                Arguments.of("malformed chunk", new Send(malformed), new End(), "llm_invalid_response", "error"),
                Arguments.of("upstream error chunk", new Send(errorChunk), new End(), "llm_upstream_error", "error"),
                // No End: the provider goes silent past the idle timeout.
                Arguments.of("stall past the idle timeout", new Send(""), new Send(""), "llm_timeout", "timeout"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("midStreamFailures")
    void aFailureAfterTheFirstChunkEndsTheStreamWithOneErrorEventAndNoDone(String name, Send failing,
            ScriptedProvider.Step then, String errorType, String usageOutcome) throws Exception {
        // The large model would answer: after the first chunk no other model may follow.
        OpenAi.stub(wireMock, "large", sse("chatcmpl-other", List.of("OTHER MODEL"), false));
        ScriptedProvider.script(
                new Send(ScriptedProvider.chunk(ID, "Rennes, ")),
                new Send(ScriptedProvider.chunk(ID, "Nantes")),
                failing,
                then);
        String requestId = "req-stream-mid-" + UUID.randomUUID();

        HttpResponse<Stream<String>> response = open(streamed("scripted", ""), requestId);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-verity-model")).hasValue("scripted");
        List<String> events = events(response);
        assertThat(events).doesNotContain("[DONE]");
        JsonNode error = read(events.getLast());
        assertThat(error.path("error").path("code").asText()).isEqualTo(errorType);
        assertThat(error.path("error").path("type").asText()).isEqualTo("server_error");
        assertThat(error.path("error").path("message").asText()).isNotBlank();
        assertThat(error.path("problem").path("error_type").asText()).isEqualTo(errorType);
        assertThat(error.path("problem").path("retryable").asBoolean()).isTrue();
        List<JsonNode> before = events.subList(0, events.size() - 1).stream().map(this::read).toList();
        assertThat(text(before)).isEqualTo("Rennes, Nantes");
        assertThat(before).allSatisfy(c -> assertThat(c.path("model").asText()).isEqualTo("scripted"));
        assertThat(String.join("\n", events)).doesNotContain("OTHER MODEL").doesNotContain("10.0.0.7")
                .doesNotContain("upstream says");
        assertThat(OpenAi.count(wireMock, "large")).isZero();
        assertThat(RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString())
                .containsPattern("verity_cascade_streams_total\\{[^}]*model=\"scripted\",stage=\"failed\"[^}]*} [1-9]");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(usageEventsOf(requestId)).singleElement()
                .satisfies(event -> {
                    assertThat(event.path("model").asText()).isEqualTo("scripted");
                    assertThat(event.path("outcome").asText()).isEqualTo(usageOutcome);
                    assertThat(event.path("error_type").asText()).isEqualTo(errorType);
                    assertThat(event.has("prompt_tokens")).isFalse();
                }));
    }

    // --- GenAI client metrics of streamed calls ------------------------------------------------

    static final String DURATION_COUNT = "gen_ai_client_operation_duration_seconds_count";
    static final String TOKENS_SUM = "gen_ai_client_token_usage_sum";

    static String scrape() {
        return RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    static BigDecimal value(String scrape, String metric, Map<String, String> labels) {
        return PrometheusText.sum(scrape, metric, labels);
    }

    @Test
    void aCompletedStreamIsOneGenAiOperationWithTheTokensOfItsLastChunk() throws Exception {
        OpenAi.stub(wireMock, "small", sse("chatcmpl-small-m1", List.of("Paris", ", Lyon"), true));
        Map<String, String> answered = Map.of("gen_ai_operation_name", "chat", "gen_ai_provider_name", "openai-compatible",
                "gen_ai_request_model", "small", "gen_ai_response_model", "upstream", "error_type", "none");
        Map<String, String> input = Map.of("gen_ai_request_model", "small", "gen_ai_response_model", "upstream",
                "gen_ai_token_type", "input");
        Map<String, String> output = Map.of("gen_ai_request_model", "small", "gen_ai_response_model", "upstream",
                "gen_ai_token_type", "output");
        String before = scrape();

        List<String> events = events(open(streamed("small", ",\"fallback\":\"deny\",\"stream_options\":{\"include_usage\":true}"),
                "req-stream-genai-" + UUID.randomUUID()));

        assertThat(events.getLast()).isEqualTo("[DONE]");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String after = scrape();
            assertThat(value(after, DURATION_COUNT, answered).subtract(value(before, DURATION_COUNT, answered)))
                    .isEqualByComparingTo("1");
            // sseBody reports 21 prompt and 9 completion tokens in its usage chunk.
            assertThat(value(after, TOKENS_SUM, input).subtract(value(before, TOKENS_SUM, input))).isEqualByComparingTo("21");
            assertThat(value(after, TOKENS_SUM, output).subtract(value(before, TOKENS_SUM, output))).isEqualByComparingTo("9");
            assertThat(after).containsPattern("gen_ai_client_operation_duration_seconds_bucket\\{[^}]*"
                    + "gen_ai_request_model=\"small\",gen_ai_response_model=\"upstream\"");
        });
    }

    @Test
    void aStreamWithoutUsageCountsItsDurationAndNoTokens() throws Exception {
        OpenAi.stub(wireMock, "small", sse("chatcmpl-small-m2", List.of("Nice"), false));
        Map<String, String> answered = Map.of("gen_ai_request_model", "small", "gen_ai_response_model", "upstream",
                "error_type", "none");
        Map<String, String> tokens = Map.of("gen_ai_request_model", "small");
        String before = scrape();

        List<String> events = events(open(streamed("small", ",\"fallback\":\"deny\""), "req-stream-genai-" + UUID.randomUUID()));

        assertThat(events.getLast()).isEqualTo("[DONE]");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(value(scrape(), DURATION_COUNT, answered)
                .subtract(value(before, DURATION_COUNT, answered))).isEqualByComparingTo("1"));
        // Tokens nobody reported are not counted, not guessed.
        assertThat(value(scrape(), TOKENS_SUM, tokens)).isEqualByComparingTo(value(before, TOKENS_SUM, tokens));
    }

    @Test
    void aStreamThatBreaksAfterItsFirstChunkIsCountedUnderItsErrorType() throws Exception {
        ScriptedProvider.script(
                new Send(ScriptedProvider.chunk(ID, "Rennes, ")),
                new Send(""),
                new Cut());
        Map<String, String> failed = Map.of("gen_ai_request_model", "scripted", "error_type", "llm_upstream_error");
        String before = scrape();

        List<String> events = events(open(streamed("scripted", ",\"fallback\":\"deny\""), "req-stream-genai-" + UUID.randomUUID()));

        assertThat(read(events.getLast()).path("error").path("code").asText()).isEqualTo("llm_upstream_error");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(value(scrape(), DURATION_COUNT, failed)
                .subtract(value(before, DURATION_COUNT, failed))).isEqualByComparingTo("1"));
    }

    @Test
    void aStreamThatFailsBeforeItsFirstChunkIsCountedUnderItsErrorType() throws Exception {
        OpenAi.stub(wireMock, "small", OpenAi.error(429, "rate_limit_exceeded"));
        Map<String, String> failed = Map.of("gen_ai_request_model", "small", "gen_ai_response_model", "none",
                "error_type", "llm_rate_limited");
        String before = scrape();

        HttpResponse<String> response = http.send(post(streamed("small", ",\"fallback\":\"deny\""),
                "req-stream-genai-" + UUID.randomUUID()), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(value(scrape(), DURATION_COUNT, failed).subtract(value(before, DURATION_COUNT, failed)))
                .isEqualByComparingTo("1");
    }

    // --- the caller leaving ---------------------------------------------------------------------

    @Test
    void aClientThatHangsUpCancelsTheProviderCall() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        ScriptedProvider.script(
                new Send(ScriptedProvider.chunk(ID, "Dijon")),
                new Await(never),
                new Send(ScriptedProvider.chunk(ID, " and more")),
                new Send(ScriptedProvider.DONE),
                new End());
        String body = streamed("scripted", ",\"fallback\":\"deny\"");
        String requestId = "req-stream-gone-" + UUID.randomUUID();
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + TestInfra.get().tokens().mint(CascadeTest.USER) + "\r\n"
                    + "X-Request-Id: " + requestId + "\r\n"
                    + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = in.readLine();
            } while (line != null && !line.startsWith("data: "));
            assertThat(line).contains("Dijon");
        }
        try {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ScriptedProvider.calls())
                    .singleElement().satisfies(call -> {
                        assertThat(call.callerClosed()).isTrue();
                        assertThat(call.finished()).isFalse();
                    }));
        } finally {
            never.countDown();
        }
        // The call is accounted for: it ended unfinished, tokens unknown.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(usageEventsOf(requestId)).singleElement()
                .satisfies(event -> {
                    assertThat(event.path("outcome").asText()).isEqualTo("error");
                    assertThat(event.has("prompt_tokens")).isFalse();
                }));
    }

    // --- the caller's deadline ------------------------------------------------------------------

    @Test
    void theCallersDeadlineEndsAStreamThatIsStillRunning() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        ScriptedProvider.script(new Send(ScriptedProvider.chunk(ID, "Metz")), new Await(never), new End());
        String requestId = "req-stream-deadline-" + UUID.randomUUID();
        // Well inside the scripted model's idle timeout, so only the deadline can end this stream.
        long deadline = System.currentTimeMillis() + ScriptedProvider.IDLE_TIMEOUT_MS / 2;
        HttpRequest request = HttpRequest.newBuilder(post(streamed("scripted", ",\"fallback\":\"deny\""), requestId),
                (name, value) -> true).header("X-Request-Deadline", String.valueOf(deadline)).build();

        try {
            HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());

            assertThat(response.statusCode()).isEqualTo(200);
            List<String> events = events(response);
            assertThat(events).doesNotContain("[DONE]");
            assertThat(text(events.subList(0, events.size() - 1).stream().map(this::read).toList())).isEqualTo("Metz");
            JsonNode error = read(events.getLast());
            assertThat(error.path("error").path("code").asText()).isEqualTo("llm_timeout");
            assertThat(error.path("error").path("message").asText()).contains("deadline");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ScriptedProvider.calls())
                    .singleElement().satisfies(call -> assertThat(call.callerClosed()).isTrue()));
        } finally {
            never.countDown();
        }
    }
}
