package dev.verity.agent.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.verity.contract.Attempt;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.Provenance;
import dev.verity.contract.Services;
import dev.verity.contract.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A WireMock stand-in for the llm-cascade serving exactly its streaming contract: model turns as
 * {@code text/event-stream} of {@code chat.completion.chunk}s ending with the cascade's provenance
 * chunk and {@code [DONE]}, mid-stream failures, or problem details before any chunk. It is reached
 * through {@link StreamingRelay}, which writes the events one by one and can cut or hold a stream.
 * Stubs choose their answer by the stage of the conversation (no tool result yet / after tool
 * results) and optionally by the caller's token, so concurrent runs of different users get their
 * own answers without shared state.
 */
public final class CascadeStandIn extends ServiceStandIn {

    public static final String PATH = "/v1/chat/completions";
    private static final String HAS_TOOL_RESULT = "$.messages[?(@.role == 'tool')]";

    public enum Stage { FIRST_CALL, AFTER_TOOL_RESULTS, ANY }

    private final StreamingRelay relay;

    CascadeStandIn(WireMockServer server, StreamingRelay relay) {
        super(server, Services.LLM_CASCADE, "small", "closed");
        this.relay = relay;
    }

    /** The agent reaches the cascade through the relay, which streams WireMock's answers as the cascade does. */
    @Override
    public String baseUrl() {
        return relay.baseUrl();
    }

    @Override
    void reset() {
        super.reset();
        relay.reset();
    }


    /** The cascade process is gone: connections are reset. */
    public void unreachable() {
        stub(Stage.ANY, null, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
    }

    /** The model asks for one tool call; its arguments stream in several fragments. */
    public void answersToolCall(Stage stage, String token, String callId, String tool, String arguments, String model) {
        stub(stage, token, stream(model, false, toolCallStream(callId, tool, arguments, model), null));
    }

    public void answersToolCallAfter(Duration delay, String callId, String tool, String arguments, String model) {
        stub(Stage.ANY, null, stream(model, false, toolCallStream(callId, tool, arguments, model), null)
                .withFixedDelay((int) delay.toMillis()));
    }

    /** The model answers with text, streamed in pieces; {@code degraded} as the cascade marks a lower-preference route. */
    public void answersText(Stage stage, String token, String text, String model, boolean degraded) {
        stub(stage, token, stream(model, degraded, textStream(text, model, degraded), null));
    }

    public void answersTextAfter(Duration delay, String text, String model) {
        stub(Stage.ANY, null, stream(model, false, textStream(text, model, false), null).withFixedDelay((int) delay.toMillis()));
    }

    /** A stream exactly as a provider would send it: its last chunk lacks the provenance the cascade must add. */
    public void answersWithoutProvenance(String text) {
        ChunkStream chunks = new ChunkStream(chatId(), "small").text(text).finish("stop").provenance(null).done();
        stub(Stage.ANY, null, stream("small", false, chunks, null));
    }

    /** A whole chat.completion (with provenance) in answer to a streaming request, against the streaming contract. */
    public void answersWithoutStreaming(String text, String model) {
        String id = chatId();
        var completion = Json.MAPPER.createObjectNode().put("id", id).put("object", "chat.completion")
                .put("created", Instant.now().getEpochSecond()).put("model", model);
        completion.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop")
                .putObject("message").put("role", "assistant").put("content", text);
        completion.set("provenance", Json.MAPPER.valueToTree(provenance(id, model, false, "stop")));
        stub(Stage.ANY, null, json(200, completion.toString()));
    }

    /**
     * The cascade escalates after streaming: {@code truncated} streams from {@code small} and ends
     * with {@code finish_reason: length}, the superseded event follows, then {@code answer} from
     * {@code large} with the provenance of the decision (both attempts, the first passed over).
     */
    public static final String TRUNCATION_REASON = "finish_reason=length (truncated) (quality 0.30 < 0.70)";

    public void escalatesAfterStreaming(String truncated, String small, String answer, String large) {
        String id = chatId();
        ChunkStream chunks = new ChunkStream("chatcmpl-" + UUID.randomUUID(), small).text(truncated).finish("length")
                .superseded(1, small, TRUNCATION_REASON, 0.3, large)
                .then(new ChunkStream(id, large).text(answer).finish("stop")
                        .provenance(new Provenance(large, "openai-compatible", id, Instant.now(), false, 1.0, false,
                                "tier 1 " + small + " escalated: " + TRUNCATION_REASON + "; tier 2 " + large
                                        + " streamed and was accepted when scored at its end: finish_reason=stop (quality 1.00)",
                                List.of(Attempt.passedOver(small, 120, 0.3, TRUNCATION_REASON), Attempt.succeeded(large, 380)),
                                new Usage(212, 38), new java.math.BigDecimal("0.000215"), 520)))
                .done();
        stub(Stage.ANY, null, stream(small, false, chunks, null));
    }

    /** A superseded event that says neither which model it replaces nor which follows. */
    public void supersedesWithoutNamingModels(String truncated, String model) {
        ChunkStream chunks = new ChunkStream(chatId(), model).text(truncated).finish("length")
                .raw("{\"object\":\"verity.attempt.superseded\",\"choices\":[],\"superseded\":{\"attempt\":1}}")
                .text("never shown").finish("stop").provenance(provenance(chatId(), model, false, "stop")).done();
        stub(Stage.ANY, null, stream(model, false, chunks, null));
    }

    /** Part of an answer streams, then the connection drops: no error event, no [DONE]. */
    public void cutsOffAfter(String partialText, String model) {
        ChunkStream chunks = new ChunkStream(chatId(), model).text(partialText);
        stub(Stage.ANY, null, stream(model, false, chunks, StreamingRelay.CUT));
    }

    /** Part of an answer streams, then the cascade's error event ends the stream (the streaming contract). */
    public void failsMidStream(String partialText, String model, ErrorType type, String detail) {
        Problem problem = Problem.of(type, detail, Services.LLM_CASCADE, null, null)
                .withAttempts(List.of(new Attempt(model, AttemptOutcome.UPSTREAM_ERROR, 41, type, 500)));
        ChunkStream chunks = new ChunkStream(chatId(), model).text(partialText).error(type.wire(), problem);
        stub(Stage.ANY, null, stream(model, false, chunks, null));
    }

    /** An error event that names its code but carries no problem object. */
    public void failsMidStreamWithoutProblem(String partialText, String model, String code) {
        ChunkStream chunks = new ChunkStream(chatId(), model).text(partialText).error(code, null);
        stub(Stage.ANY, null, stream(model, false, chunks, null));
    }

    /** Part of an answer streams, then a chunk that is not JSON; the rest of the answer would follow. */
    public void sendsMalformedChunkAfter(String partialText, String rest, String model) {
        ChunkStream chunks = new ChunkStream(chatId(), model).text(partialText).raw("{\"choices\": [{\"delta\": ")
                .text(rest).finish("stop").provenance(provenance(chatId(), model, false, "stop")).done();
        stub(Stage.ANY, null, stream(model, false, chunks, null));
    }

    /** The whole answer and its provenance stream, but the body ends without [DONE]. */
    public void endsWithoutDone(String text, String model) {
        ChunkStream chunks = new ChunkStream(chatId(), model).text(text).finish("stop")
                .provenance(provenance(chatId(), model, false, "stop"));
        stub(Stage.ANY, null, stream(model, false, chunks, null));
    }

    /** Part of an answer streams and then nothing more comes, until the agent closes the connection. */
    public void streamsThenHolds(String partialText, String model) {
        ChunkStream chunks = new ChunkStream(chatId(), model).text(partialText);
        stub(Stage.ANY, null, stream(model, false, chunks, StreamingRelay.HOLD));
    }

    /**
     * The model answers with text: {@code first} streams, then the stream pauses (open, nothing
     * sent) until {@link #resumeStreams()}, when {@code rest}, the provenance and [DONE] follow.
     */
    public void answersTextPausingAfter(String first, String rest, String model) {
        String id = chatId();
        ChunkStream chunks = new ChunkStream(id, model).text(first);
        int pauseAfter = chunks.size();
        chunks.text(rest).finish("stop").provenance(provenance(id, model, false, "stop")).done();
        stub(Stage.ANY, null, stream(model, false, chunks, StreamingRelay.PAUSE + pauseAfter));
    }

    /** How many streams are paused, waiting for {@link #resumeStreams()}. */
    public int pausedStreams() {
        return relay.pausedStreams();
    }

    public void resumeStreams() {
        relay.resume();
    }

    /** How many held streams the agent closed from its side. */
    public int heldStreamsLeft() {
        return relay.heldStreamsLeft();
    }

    /** The cascade's own problem: every route failed. */
    public void fails(Stage stage, ErrorType type, String detail, Integer retryAfterSeconds) {
        Problem problem = Problem.of(type, detail, Services.LLM_CASCADE, null, null)
                .withAttempts(List.of(
                        new Attempt("small", AttemptOutcome.UPSTREAM_ERROR, 41, ErrorType.LLM_UPSTREAM_ERROR, 500),
                        new Attempt("large", AttemptOutcome.CIRCUIT_OPEN, 0, ErrorType.LLM_MODEL_UNAVAILABLE, null)));
        if (retryAfterSeconds != null) {
            problem = problem.withRetryAfterSeconds(retryAfterSeconds);
        }
        ResponseDefinitionBuilder response = aResponse().withStatus(type.status())
                .withHeader("Content-Type", "application/problem+json").withBody(Json.write(problem));
        if (retryAfterSeconds != null) {
            response.withHeader("Retry-After", String.valueOf(retryAfterSeconds));
        }
        stub(stage, null, response);
    }

    /** First call fails with a retryable problem, every later call answers with text. */
    public void failsOnceThenAnswers(ErrorType type, int retryAfterSeconds, String text, String model) {
        Problem problem = Problem.of(type, "Providers are throttling requests.", Services.LLM_CASCADE, null, null)
                .withRetryAfterSeconds(retryAfterSeconds);
        server.stubFor(post(urlEqualTo(PATH)).inScenario("retry").whenScenarioStateIs("Started")
                .willReturn(aResponse().withStatus(type.status()).withHeader("Content-Type", "application/problem+json")
                        .withBody(Json.write(problem)))
                .willSetStateTo("answered-once"));
        server.stubFor(post(urlEqualTo(PATH)).inScenario("retry").whenScenarioStateIs("answered-once")
                .willReturn(stream(model, false, textStream(text, model, false), null)));
    }

    /** Every chat-completions request the stand-in received, oldest first. */
    public List<JsonNode> chatRequests() {
        return server.findAll(postRequestedFor(urlEqualTo(PATH))).stream()
                .map(LoggedRequest::getBodyAsString).map(Json::read).toList();
    }

    public List<LoggedRequest> chatRequestsRaw() {
        return server.findAll(postRequestedFor(urlEqualTo(PATH)));
    }

    public int chatRequestCount() {
        return chatRequestsRaw().size();
    }

    private void stub(Stage stage, String token, ResponseDefinitionBuilder response) {
        MappingBuilder mapping = post(urlEqualTo(PATH));
        if (stage == Stage.AFTER_TOOL_RESULTS) {
            mapping.withRequestBody(matchingJsonPath(HAS_TOOL_RESULT)).atPriority(1);
        } else {
            mapping.atPriority(stage == Stage.FIRST_CALL ? 2 : 3);
        }
        if (token != null) {
            mapping.withHeader("Authorization", equalTo("Bearer " + token));
        }
        server.stubFor(mapping.willReturn(response));
    }


    static ChunkStream toolCallStream(String callId, String tool, String arguments, String model) {
        String id = chatId();
        return new ChunkStream(id, model).toolCall(0, callId, tool, arguments, 3).finish("tool_calls")
                .provenance(provenance(id, model, false, "tool_calls")).done();
    }

    static ChunkStream textStream(String text, String model, boolean degraded) {
        String id = chatId();
        return new ChunkStream(id, model).text(text).finish("stop").provenance(provenance(id, model, degraded, "stop")).done();
    }

    /** {@code then}: how the relay ends the stream ({@link StreamingRelay#CUT}, {@link StreamingRelay#HOLD}), null for cleanly. */
    private static ResponseDefinitionBuilder stream(String model, boolean degraded, ChunkStream chunks, String then) {
        ResponseDefinitionBuilder response = aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream")
                .withHeader(Headers.VERITY_MODEL, model)
                .withHeader(Headers.VERITY_DEGRADED, String.valueOf(degraded))
                .withBody(chunks.body());
        if (then != null) {
            response.withHeader(StreamingRelay.THEN, then);
        }
        return response;
    }

    private static String chatId() {
        return "chatcmpl-" + UUID.randomUUID();
    }

    private static Provenance provenance(String id, String model, boolean degraded, String finishReason) {
        List<Attempt> attempts = degraded
                ? List.of(new Attempt("large", AttemptOutcome.TIMEOUT, 20001, ErrorType.LLM_TIMEOUT, null),
                        Attempt.succeeded(model, 380))
                : List.of(Attempt.succeeded(model, 380));
        return new Provenance(model, "openai-compatible", id, Instant.now(), degraded, 0.91, false,
                degraded ? "direct call after cascade failure" : "tier 1 accepted: finish_reason=" + finishReason,
                attempts, new Usage(212, 38), new java.math.BigDecimal("0.000215000000"), 380);
    }
}
