package dev.verity.gateway;

import static dev.verity.gateway.CascadeStreamStandIn.content;
import static dev.verity.gateway.CascadeStreamStandIn.finish;
import static dev.verity.gateway.CascadeStreamStandIn.provenance;
import static dev.verity.gateway.CascadeStreamStandIn.role;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.SseException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.verity.gateway.status.StatusPoller;
import dev.verity.local.PrometheusText;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
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
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/chat/completions} with {@code "stream": true}: the cascade's events
 * relayed as they come, failures before the first chunk as ordinary OpenAI errors, mid-stream
 * failures as one error event, the guard watching the stream, a leaving caller cancelling upstream.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(CascadeStreamStandIn.class)
class StreamingCompletionsTest {

    private static final ChatCompletionCreateParams PARAMS = ChatCompletionCreateParams.builder()
            .model("auto").addUserMessage("Explain streaming.").build();
    private static final String STREAM_REQUEST =
            "{\"model\":\"auto\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Explain streaming.\"}]}";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    StatusPoller poller;

    @Inject
    Pool pool;

    @TestHTTPResource("/v1")
    URI base;

    @BeforeEach
    void cascadeReady() {
        CascadeStreamStandIn.reset();
        poller.pollAll().await().indefinitely();
    }

    private static TestUser user(String tier) {
        // Enterprise users get an organisation of their own: incidents are per organisation.
        String org = "enterprise".equals(tier) ? "org-enterprise-" + UUID.randomUUID().toString().substring(0, 8) : "org-" + tier;
        return TestUser.of("u-" + tier + "-" + UUID.randomUUID().toString().substring(0, 8), org, tier);
    }

    private static String token(TestUser user) {
        return TestInfra.get().tokens().mint(user);
    }

    private OpenAIClient sdk(TestUser user) {
        return OpenAIOkHttpClient.builder().apiKey(token(user)).baseUrl(base.toString()).maxRetries(0).build();
    }

    @Test
    void chunksArriveAsTheyComeAndTheLastCarriesProvenance() {
        List<String> words = List.of("Real ", "answers ", "arrive ", "one ", "chunk ", "at ", "a ", "time, ", "straight ",
                "from ", "the ", "model ", "that ", "wrote ", "them.");
        List<String> first = new ArrayList<>(List.of(role()));
        words.subList(0, words.size() - 1).forEach(word -> first.add(content(word)));
        CompletableFuture<Void> gate = new CompletableFuture<>();
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(first, gate,
                List.of(content(words.getLast()), finish(), provenance(String.join("", words)), "[DONE]")));

        HttpResponseFor<StreamResponse<ChatCompletionChunk>> raw = sdk(user("mid")).chat().completions().withRawResponse()
                .createStreaming(PARAMS);
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.headers().values("x-verity-model")).containsExactly("small");
        assertThat(raw.headers().values("x-verity-degraded")).containsExactly("false");
        assertThat(raw.headers().values("x-verity-request-id")).hasSize(1);

        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = raw.parse()) {
            Iterator<ChatCompletionChunk> events = stream.stream().iterator();
            while (text.isEmpty()) {
                ChatCompletionChunk chunk = events.next();
                chunks.add(chunk);
                appendText(chunk, text);
            }
            // Text reached the caller while the cascade still holds back the end of the answer.
            assertThat(CascadeStreamStandIn.SENT_ALL).isFalse();
            assertThat(String.join("", words)).startsWith(text.toString());

            gate.complete(null);
            events.forEachRemaining(chunk -> {
                chunks.add(chunk);
                appendText(chunk, text);
            });
        }
        assertThat(text.toString()).isEqualTo(String.join("", words));
        ChatCompletionChunk last = chunks.getLast();
        assertThat(last.choices()).isEmpty();
        JsonValue provenance = last._additionalProperties().get("provenance");
        assertThat(provenance).isNotNull();
        Map<?, ?> fields = provenance.convert(Map.class);
        assertThat(fields.get("model")).isEqualTo("small");
        assertThat(fields.get("provider_request_id")).isEqualTo("chatcmpl-s1");
        assertThat(last.usage()).isPresent();
        // The cascade received the caller's request as it was, with the caller's token.
        assertThat(CascadeStreamStandIn.LAST_BODY.get()).contains("\"stream\":true");
        assertThat(CascadeStreamStandIn.LAST_AUTHORIZATION.get()).startsWith("Bearer ");
    }

    @Test
    void aFailureBeforeTheFirstChunkIsTheSdksTypedErrorWithRetryAfter() {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.refuses(503,
                CascadeStreamStandIn.problem("llm_unavailable", 503, true)));

        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> stream = sdk(user("free")).chat().completions().createStreaming(PARAMS)) {
                stream.stream().forEach(chunk -> { });
            }
        }).isInstanceOfSatisfying(InternalServerException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(503);
            assertThat(e.code()).hasValue("llm_unavailable");
            assertThat(e.headers().values("Retry-After")).containsExactly("17");
        });
    }

    @Test
    void anEnterpriseCallerWhoseStreamCannotStartGetsARealTicket() {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.refuses(503,
                CascadeStreamStandIn.problem("llm_unavailable", 503, true)));
        TestUser enterprise = user("enterprise");
        String requestId = "stream-ent-" + UUID.randomUUID().toString().substring(0, 8);

        JsonPath answer = given().auth().oauth2(token(enterprise)).contentType(ContentType.JSON).body(STREAM_REQUEST)
                .header("X-Request-Id", requestId)
                .when().post("/v1/chat/completions")
                .then().statusCode(503)
                .contentType("application/json")
                .header("Retry-After", "17")
                .extract().jsonPath();

        assertThat(answer.getString("error.code")).isEqualTo("llm_unavailable");
        assertThat(answer.getBoolean("problem.tier_handling.enterprise_escalation")).isTrue();
        assertThat(answer.getString("problem.tier_handling.escalation_reference")).isEqualTo("ENT-" + requestId);
        String ticketId = answer.getString("problem.tier_handling.support_ticket_id");
        var rows = pool.preparedQuery("SELECT u.request_ids, u.user_id, i.error_type FROM gateway.incidents i "
                        + "JOIN gateway.incident_users u ON u.incident_id = i.id WHERE i.id = $1")
                .execute(Tuple.of(ticketId)).await().indefinitely();
        assertThat(rows.size()).isEqualTo(1);
        assertThat(rows.iterator().next().getArrayOfStrings("request_ids")).contains(requestId);
        assertThat(rows.iterator().next().getString("user_id")).isEqualTo(enterprise.userId());
        assertThat(rows.iterator().next().getString("error_type")).isEqualTo("llm_unavailable");
    }

    @Test
    void aCascadeThatDropsTheConnectionIsServiceUnavailableNotAStream() {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.drops());

        given().auth().oauth2(token(user("mid"))).contentType(ContentType.JSON).body(STREAM_REQUEST)
                .when().post("/v1/chat/completions")
                .then().statusCode(503)
                .contentType("application/json")
                .header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("error.code", org.hamcrest.Matchers.equalTo("service_unavailable"))
                .body("error.message", org.hamcrest.Matchers.equalTo("The llm-cascade service could not be reached."));
    }

    @Test
    void theHoldHeaderReachesTheCascadeAndAnnouncedEscalationNeverDoes() throws Exception {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(List.of(role(), content("Costs fell."), finish(),
                provenance("Costs fell."), "[DONE]")));

        List<String> held = rawStream(token(user("mid")), "x-verity-hold-stream", "scored",
                "x-verity-stream-escalation", "announce");

        assertThat(textOf(held)).isEqualTo("Costs fell.");
        assertThat(CascadeStreamStandIn.LAST_HOLD.get()).isEqualTo("scored");
        // Announced escalation is a stream shape OpenAI clients do not know: only the agent may ask for it.
        assertThat(CascadeStreamStandIn.LAST_ESCALATION.get()).isEqualTo("absent");

        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(List.of(role(), content("Costs fell."), finish(),
                provenance("Costs fell."), "[DONE]")));
        rawStream(token(user("mid")));
        assertThat(CascadeStreamStandIn.LAST_HOLD.get()).isEqualTo("absent");
    }

    @Test
    void aMidStreamErrorIsRelayedAfterExactlyTheRealText() {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(List.of(role(), content("Partial "), content("answer "),
                CascadeStreamStandIn.upstreamError())));

        StringBuilder text = new StringBuilder();
        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> stream = sdk(user("mid")).chat().completions().createStreaming(PARAMS)) {
                stream.stream().forEach(chunk -> appendText(chunk, text));
            }
        }).isInstanceOfSatisfying(SseException.class, e -> assertThat(e.code()).hasValue("llm_upstream_error"));
        assertThat(text.toString()).isEqualTo("Partial answer ");
    }

    @Test
    void aCascadeThatDiesMidStreamEndsTheStreamWithOneErrorEventAfterTheRealText() throws Exception {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streamsThenDies(List.of(role(), content("Half of "),
                content("an answer"))));

        List<String> events = rawStream(token(user("free")));

        assertThat(textOf(events)).isEqualTo("Half of an answer");
        JsonNode last = JSON.readTree(events.getLast());
        assertThat(last.path("error").path("code").asText()).isEqualTo("service_unavailable");
        assertThat(last.path("problem").path("retryable").asBoolean()).isTrue();
        assertThat(last.path("problem").path("tier_handling").path("enterprise_escalation").isBoolean()).isTrue();
        assertThat(events).doesNotContain("[DONE]");
    }

    @Test
    void aVerifiedAnswerThatSoundsLikeACannedApologyIsDeliveredWholeAndOnlyCounted() throws Exception {
        String apology = "Sorry. I apologize, but I encountered an error calling the metrics tool; from the data I have, p95 was 812 ms.";
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(List.of(role(), content("Sorry. I apolo"),
                content("gize, but I en"), content("countered an error calling the metrics tool; "),
                content("from the data I have, p95 was 812 ms."), finish(), provenance(apology), "[DONE]")));
        double before = violations();
        double suspiciousBefore = metric("verity_guard_suspicious_total");

        List<String> events = rawStream(token(user("mid")));

        assertThat(textOf(events)).isEqualTo(apology);
        assertThat(events.getLast()).isEqualTo("[DONE]");
        JsonNode last = JSON.readTree(events.get(events.size() - 2));
        assertThat(last.path("provenance").path("receipt").asText()).isNotBlank();
        assertThat(last.path("provenance").has("receipt_mac")).as("the internal MAC never leaves").isFalse();
        assertThat(violations()).isEqualTo(before);
        assertThat(metric("verity_guard_suspicious_total")).isEqualTo(suspiciousBefore + 1);
    }

    @Test
    void oneByteChangedBetweenTheCascadeAndTheGatewayEndsTheStreamWithTheErrorEventNeverDone() throws Exception {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(List.of(role(), content("Costs fell by 5 percent."),
                finish(), provenance("Costs fell by 4 percent."), "[DONE]")));
        double before = violations();

        List<String> events = rawStream(token(user("mid")));

        JsonNode last = JSON.readTree(events.getLast());
        assertThat(last.path("error").path("code").asText()).isEqualTo("authenticity_violation");
        assertThat(last.path("problem").path("error_type").asText()).isEqualTo("authenticity_violation");
        assertThat(events).doesNotContain("[DONE]");
        assertThat(events).noneMatch(event -> event.contains("\"receipt\""));
        assertThat(violations()).isEqualTo(before + 1);
    }

    @Test
    void aStreamWithoutProvenanceBeforeDoneIsStopped() throws Exception {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(List.of(role(), content("Costs fell by 4 percent."),
                finish(), "[DONE]")));
        double before = violations();

        List<String> events = rawStream(token(user("mid")));

        assertThat(textOf(events)).isEqualTo("Costs fell by 4 percent.");
        assertThat(JSON.readTree(events.getLast()).path("error").path("code").asText()).isEqualTo("authenticity_violation");
        assertThat(events).doesNotContain("[DONE]");
        assertThat(violations()).isEqualTo(before + 1);
    }

    @Test
    void aStreamStillOpenAtTheRequestDeadlineEndsWithATimeoutAndTheCascadeCallIsClosed() throws Exception {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(List.of(role(), content("An answer that never ends")),
                new CompletableFuture<>(), List.of(finish(), provenance("An answer that never ends"), "[DONE]")));

        List<String> events = rawStream(token(user("mid")), "X-Request-Deadline",
                String.valueOf(System.currentTimeMillis() + 2000));

        assertThat(textOf(events)).isEqualTo("An answer that never ends");
        assertThat(JSON.readTree(events.getLast()).path("error").path("code").asText()).isEqualTo("llm_timeout");
        assertThat(events).doesNotContain("[DONE]");
        await().atMost(Duration.ofSeconds(10)).untilTrue(CascadeStreamStandIn.CANCELLED);
    }

    @Test
    void aCallerWhoLeavesCancelsTheCascadeCall() throws Exception {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(List.of(role(),
                content("This answer is long enough to pass the guard's hold-back window before the caller leaves.")),
                new CompletableFuture<>(), List.of(finish(), provenance("This answer is long enough to pass the guard's "
                        + "hold-back window before the caller leaves."), "[DONE]")));
        byte[] body = STREAM_REQUEST.getBytes(StandardCharsets.UTF_8);

        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token(user("mid"))
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.contains("This answer")) {
                // headers and the role chunk
            }
            assertThat(line).contains("This answer");
        }

        await().atMost(Duration.ofSeconds(10)).untilTrue(CascadeStreamStandIn.CANCELLED);
        assertThat(CascadeStreamStandIn.SENT_ALL).isFalse();
    }

    @Test
    void aCompletedStreamIsOneGenAiOperationWithTheTokensOfItsLastChunk() throws Exception {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(List.of(role(), content("A whole "), content("answer."),
                finish(), provenance("A whole answer."), "[DONE]")));
        Map<String, String> answered = Map.of("gen_ai_operation_name", "chat", "gen_ai_provider_name", "verity",
                "gen_ai_request_model", "auto", "gen_ai_response_model", "small", "error_type", "none");
        Map<String, String> input = Map.of("gen_ai_provider_name", "verity", "gen_ai_response_model", "small",
                "gen_ai_token_type", "input");
        Map<String, String> output = Map.of("gen_ai_provider_name", "verity", "gen_ai_response_model", "small",
                "gen_ai_token_type", "output");
        String before = scrape();

        List<String> events = rawStream(token(user("mid")));

        assertThat(events.getLast()).isEqualTo("[DONE]");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String after = scrape();
            assertThat(delta(before, after, DURATION_COUNT, answered)).isEqualByComparingTo("1");
            // The stand-in's last chunk reports 5 prompt and 14 completion tokens.
            assertThat(delta(before, after, TOKENS_SUM, input)).isEqualByComparingTo("5");
            assertThat(delta(before, after, TOKENS_SUM, output)).isEqualByComparingTo("14");
        });
    }

    @Test
    void aStreamEndedByTheCascadesErrorEventIsCountedUnderItsErrorType() throws Exception {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.streams(List.of(role(), content("Partial "),
                CascadeStreamStandIn.upstreamError())));
        Map<String, String> failed = Map.of("gen_ai_provider_name", "verity", "gen_ai_request_model", "auto",
                "error_type", "llm_upstream_error");
        Map<String, String> tokens = Map.of("gen_ai_provider_name", "verity");
        String before = scrape();

        List<String> events = rawStream(token(user("mid")));

        assertThat(JSON.readTree(events.getLast()).path("error").path("code").asText()).isEqualTo("llm_upstream_error");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(delta(before, scrape(), DURATION_COUNT, failed)).isEqualByComparingTo("1"));
        assertThat(delta(before, scrape(), TOKENS_SUM, tokens)).isEqualByComparingTo("0");
    }

    @Test
    void aStreamTheCascadeRefusesIsCountedUnderItsErrorTypeWithNoResponseModel() throws Exception {
        CascadeStreamStandIn.SCRIPT.set(CascadeStreamStandIn.refuses(503,
                CascadeStreamStandIn.problem("llm_unavailable", 503, true)));
        Map<String, String> refused = Map.of("gen_ai_provider_name", "verity", "gen_ai_request_model", "auto",
                "gen_ai_response_model", "none", "error_type", "llm_unavailable");
        String before = scrape();

        given().auth().oauth2(token(user("mid"))).contentType(ContentType.JSON).body(STREAM_REQUEST)
                .when().post("/v1/chat/completions").then().statusCode(503);

        assertThat(delta(before, scrape(), DURATION_COUNT, refused)).isEqualByComparingTo("1");
    }

    private static final String DURATION_COUNT = "gen_ai_client_operation_duration_seconds_count";
    private static final String TOKENS_SUM = "gen_ai_client_token_usage_sum";

    private static String scrape() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static BigDecimal delta(String before, String after, String metric, Map<String, String> labels) {
        return PrometheusText.sum(after, metric, labels).subtract(PrometheusText.sum(before, metric, labels));
    }

    private List<String> rawStream(String token, String... headers) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(STREAM_REQUEST));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        HttpRequest request = builder.build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<java.util.stream.Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
            return response.body().filter(line -> line.startsWith("data: ")).map(line -> line.substring(6)).toList();
        }
    }

    private static String textOf(List<String> events) throws Exception {
        StringBuilder text = new StringBuilder();
        for (String event : events) {
            if (!event.startsWith("{")) {
                continue;
            }
            for (JsonNode choice : JSON.readTree(event).path("choices")) {
                text.append(choice.path("delta").path("content").asText(""));
            }
        }
        return text.toString();
    }

    private static void appendText(ChatCompletionChunk chunk, StringBuilder text) {
        chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
    }

    private static double violations() {
        return metric("verity_authenticity_violations_total");
    }

    /** The Prometheus sample summed over its tags, 0 before it first counts. */
    static double metric(String name) {
        String scrape = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return scrape.lines()
                .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
