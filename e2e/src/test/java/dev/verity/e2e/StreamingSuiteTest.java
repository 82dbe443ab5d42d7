package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.Headers;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.SseException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Streaming over the whole chain: the official OpenAI SDK against the gateway, the
 * gateway relaying the cascade, the cascade relaying the provider stand-in; and an agent run over
 * the WebSocket whose token deltas spell the answer. Every chunk and event goes through the scanner.
 */
class StreamingSuiteTest {

    private static final String ANSWER = "Your cheapest model served most of your calls this week.";
    private static VerityStack stack;
    private static String mid;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
        mid = Users.token(Users.of("mid", "org-streaming-suite"));
    }

    @BeforeEach
    void clearFaults() {
        stack.provider().reset();
    }

    @AfterEach
    void modelsServeAgain() {
        stack.awaitModelsServe();
    }

    private static OpenAIClient sdk(String token) {
        return OpenAIOkHttpClient.builder().baseUrl(stack.gateway() + "/v1").apiKey(token).maxRetries(0).build();
    }

    private static ChatCompletionCreateParams question(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Which model served most of my calls?").build();
    }

    /** Reads the stream to its end, scanning every chunk; what the caller assembled and saw. */
    private static List<ChatCompletionChunk> read(StreamResponse<ChatCompletionChunk> stream, StringBuilder text) {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        stream.stream().forEach(chunk -> {
            chunks.add(chunk);
            assertThat(Scanner.violations(chunk.toString())).as("streamed chunk").isEmpty();
            chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
        });
        return chunks;
    }

    private record Streamed(Headers headers, String text, List<ChatCompletionChunk> chunks) {
    }

    /** A whole streamed completion through the SDK, with the response headers it came with. */
    private static Streamed stream(ChatCompletionCreateParams params) {
        HttpResponseFor<StreamResponse<ChatCompletionChunk>> raw =
                sdk(mid).chat().completions().withRawResponse().createStreaming(params);
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = raw.parse()) {
            List<ChatCompletionChunk> chunks = read(stream, text);
            return new Streamed(raw.headers(), text.toString(), chunks);
        }
    }

    private static Map<?, ?> provenance(ChatCompletionChunk chunk) {
        JsonValue provenance = chunk._additionalProperties().get("provenance");
        assertThat(provenance).as("provenance on the last chunk").isNotNull();
        return provenance.convert(Map.class);
    }

    @Test
    void theSdkStreamsTheProvidersRealAnswerWithProvenanceOnTheLastChunk() {
        String providerId = stack.provider().answers("small", ANSWER);

        Streamed streamed = stream(question("auto"));
        List<ChatCompletionChunk> chunks = streamed.chunks();

        assertThat(streamed.headers().values("x-verity-model")).containsExactly("small");
        assertThat(streamed.headers().values("x-verity-degraded")).containsExactly("false");
        assertThat(streamed.text()).isEqualTo(ANSWER);
        assertThat(chunks.stream().filter(c -> !c.choices().isEmpty() && c.choices().getFirst().delta().content().isPresent()))
                .as("the answer arrives in several chunks, as the provider sent it").hasSizeGreaterThan(1);
        Map<?, ?> provenance = provenance(chunks.getLast());
        assertThat(provenance.get("model")).isEqualTo("small");
        assertThat(provenance.get("provider_request_id")).isEqualTo(providerId);
        assertThat(provenance.get("degraded")).isEqualTo(false);
    }

    @Test
    void aModelThatFailsBeforeItsFirstChunkHandsTheStreamToTheOtherModelFlaggedDegraded() {
        stack.provider().failsWith("small", 500, "{\"error\":{\"message\":\"internal\",\"type\":\"server_error\"}}");
        stack.provider().answers("large", ANSWER);

        Streamed streamed = stream(question("auto"));
        List<ChatCompletionChunk> chunks = streamed.chunks();

        assertThat(streamed.headers().values("x-verity-model")).containsExactly("large");
        assertThat(streamed.headers().values("x-verity-degraded")).containsExactly("true");
        assertThat(streamed.text()).isEqualTo(ANSWER);
        Map<?, ?> provenance = provenance(chunks.getLast());
        assertThat(provenance.get("model")).isEqualTo("large");
        assertThat(provenance.get("degraded")).isEqualTo(true);
    }

    @Test
    void whenNoModelCanStartTheSdkRaisesItsTypedErrorWithRetryAfter() {
        stack.provider().failsWith("small", 500, "{\"error\":{\"message\":\"internal\",\"type\":\"server_error\"}}");
        stack.provider().failsWith("large", 500, "{\"error\":{\"message\":\"internal\",\"type\":\"server_error\"}}");

        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> stream = sdk(mid).chat().completions().createStreaming(question("auto"))) {
                read(stream, new StringBuilder());
            }
        }).isInstanceOfSatisfying(InternalServerException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(502);
            assertThat(e.code()).hasValue("llm_upstream_error");
            assertThat(e.headers().values("Retry-After")).hasSize(1);
            assertThat(Scanner.violations(e.body().toString())).isEmpty();
        });
    }

    @Test
    void aStreamThatBreaksAfterItsFirstChunkEndsWithAnErrorAndNothingFromAnotherModel() {
        stack.provider().streamsOneChunkThenBreaks("small", "Most of your calls ");
        stack.provider().answers("large", ANSWER);
        int largeCalls = stack.provider().requestsTo("large");
        StringBuilder text = new StringBuilder();

        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> stream = sdk(mid).chat().completions().createStreaming(question("small"))) {
                read(stream, text);
            }
        }).isInstanceOfSatisfying(SseException.class, e -> assertThat(e.code()).hasValue("llm_invalid_response"));

        assertThat(text.toString()).isEqualTo("Most of your calls ");
        assertThat(stack.provider().requestsTo("large")).isEqualTo(largeCalls);
    }

    @Test
    void anAgentRunOverTheSocketStreamsDeltasThatSpellItsAnswer() throws Exception {
        stack.provider().answers("small", ANSWER);
        try (EventStream socket = EventStream.open(stack.gateway(), mid)) {
            socket.run("Which model served most of my calls?", "ref-stream-deltas");
            await().atMost(Duration.ofSeconds(30)).until(() -> !socket.ofType("agent_started").isEmpty()
                    && !socket.terminalsOf(socket.ofType("agent_started").getFirst().path("request_id").asText()).isEmpty());
            String requestId = socket.ofType("agent_started").getFirst().path("request_id").asText();
            List<JsonNode> run = socket.ofRequest(requestId);

            List<JsonNode> deltas = run.stream().filter(e -> e.path("data").has("delta")).toList();
            JsonNode completed = socket.terminalsOf(requestId).getFirst();
            assertThat(completed.path("type").asText()).isEqualTo("agent_completed");
            assertThat(deltas).isNotEmpty().allSatisfy(d -> {
                assertThat(d.path("type").asText()).isEqualTo("agent_thinking");
                assertThat(d.path("data").path("model").asText()).isEqualTo("small");
            });
            assertThat(deltas.stream().map(d -> d.path("data").path("delta").asText()).reduce("", String::concat))
                    .isEqualTo(completed.path("data").path("response").asText())
                    .isEqualTo(ANSWER);
            assertThat(run.indexOf(deltas.getLast())).isLessThan(run.indexOf(completed));
        }
    }

    @Test
    void anAgentRunWhoseModelStreamBreaksEndsFailedWithoutPresentingThePartialText() throws Exception {
        stack.provider().streamsOneChunkThenBreaks("small", "Half an answer ");
        stack.provider().streamsOneChunkThenBreaks("large", "Half an answer ");
        try (EventStream socket = EventStream.open(stack.gateway(), mid)) {
            socket.run("Which model served most of my calls?", "ref-stream-broken");
            await().atMost(Duration.ofSeconds(30)).until(() -> !socket.ofType("agent_started").isEmpty()
                    && !socket.terminalsOf(socket.ofType("agent_started").getFirst().path("request_id").asText()).isEmpty());
            String requestId = socket.ofType("agent_started").getFirst().path("request_id").asText();

            List<JsonNode> terminals = socket.terminalsOf(requestId);
            assertThat(terminals).singleElement().satisfies(t -> {
                assertThat(t.path("type").asText()).isEqualTo("agent_failed");
                assertThat(t.path("data").path("problem").path("error_type").asText()).isEqualTo("llm_invalid_response");
                assertThat(t.path("data").path("problem").path("retryable").asBoolean()).isTrue();
                assertThat(t.path("data").toString()).doesNotContain("Half an answer");
            });
            assertThat(socket.ofRequest(requestId)).noneMatch(e -> e.path("type").asText().equals("agent_completed"));
        }
    }
}
