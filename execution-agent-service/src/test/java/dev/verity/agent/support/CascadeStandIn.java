package dev.verity.agent.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.verity.contract.Attempt;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Provenance;
import dev.verity.contract.Services;
import dev.verity.contract.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A WireMock stand-in for the llm-cascade serving exactly its contract: OpenAI
 * {@code chat.completion} objects with a top-level {@code provenance}, or problem details.
 * Stubs choose their answer by the stage of the conversation (no tool result yet / after tool
 * results) and optionally by the caller's token, so concurrent runs of different users get their
 * own answers without shared state.
 */
public final class CascadeStandIn extends ServiceStandIn {

    public static final String PATH = "/v1/chat/completions";
    private static final String HAS_TOOL_RESULT = "$.messages[?(@.role == 'tool')]";

    public enum Stage { FIRST_CALL, AFTER_TOOL_RESULTS, ANY }

    CascadeStandIn(WireMockServer server) {
        super(server, Services.LLM_CASCADE, "small", "closed");
    }


    /** The cascade process is gone: connections are reset. */
    public void unreachable() {
        stub(Stage.ANY, null, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
    }

    /** The model asks for one tool call. */
    public void answersToolCall(Stage stage, String token, String callId, String tool, String arguments, String model) {
        stub(stage, token, json(200, Json.write(toolCallCompletion(callId, tool, arguments, model))));
    }

    public void answersToolCallAfter(Duration delay, String callId, String tool, String arguments, String model) {
        stub(Stage.ANY, null, json(200, Json.write(toolCallCompletion(callId, tool, arguments, model)))
                .withFixedDelay((int) delay.toMillis()));
    }

    /** The model answers with text; {@code degraded} as the cascade marks a lower-preference route. */
    public void answersText(Stage stage, String token, String text, String model, boolean degraded) {
        stub(stage, token, json(200, Json.write(textCompletion(text, model, degraded))));
    }

    public void answersTextAfter(Duration delay, String text, String model) {
        stub(Stage.ANY, null, json(200, Json.write(textCompletion(text, model, false))).withFixedDelay((int) delay.toMillis()));
    }

    /** A completion exactly as a provider would send it, without the provenance the cascade must add. */
    public void answersWithoutProvenance(String text) {
        ObjectNode completion = textCompletion(text, "small", false);
        completion.remove("provenance");
        stub(Stage.ANY, null, json(200, Json.write(completion)));
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
                .willReturn(json(200, Json.write(textCompletion(text, model, false)))));
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


    static ObjectNode toolCallCompletion(String callId, String tool, String arguments, String model) {
        ObjectNode completion = completion(model, "tool_calls", false);
        ObjectNode message = (ObjectNode) completion.path("choices").path(0).path("message");
        message.putNull("content");
        ObjectNode call = message.putArray("tool_calls").addObject().put("id", callId).put("type", "function");
        call.putObject("function").put("name", tool).put("arguments", arguments);
        return completion;
    }

    static ObjectNode textCompletion(String text, String model, boolean degraded) {
        ObjectNode completion = completion(model, "stop", degraded);
        ((ObjectNode) completion.path("choices").path(0).path("message")).put("content", text);
        return completion;
    }

    private static ObjectNode completion(String model, String finishReason, boolean degraded) {
        String id = "chatcmpl-" + UUID.randomUUID();
        ObjectNode completion = Json.MAPPER.createObjectNode().put("id", id).put("object", "chat.completion")
                .put("created", Instant.now().getEpochSecond()).put("model", model);
        ObjectNode choice = completion.putArray("choices").addObject().put("index", 0).put("finish_reason", finishReason);
        choice.putObject("message").put("role", "assistant");
        completion.putObject("usage").put("prompt_tokens", 212).put("completion_tokens", 38).put("total_tokens", 250);
        List<Attempt> attempts = degraded
                ? List.of(new Attempt("large", AttemptOutcome.TIMEOUT, 20001, ErrorType.LLM_TIMEOUT, null),
                        Attempt.succeeded(model, 380))
                : List.of(Attempt.succeeded(model, 380));
        Provenance provenance = new Provenance(model, "openai-compatible", id, Instant.now(), degraded, 0.91, false,
                degraded ? "direct call after cascade failure" : "tier 1 accepted: finish_reason=" + finishReason,
                attempts, new Usage(212, 38), 0.000215, 380);
        completion.set("provenance", Json.MAPPER.valueToTree(provenance));
        return completion;
    }
}
