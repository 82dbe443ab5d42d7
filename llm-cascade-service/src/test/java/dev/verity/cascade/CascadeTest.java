package dev.verity.cascade;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.verity.cascade.service.ModelGuards;
import dev.verity.cascade.standin.InjectWireMock;
import dev.verity.cascade.standin.OpenAi;
import dev.verity.cascade.standin.OpenAiStandIn;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The cascade against WireMock speaking the OpenAI protocol: answers, escalation, every fault. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_cascade_test"), @ResourceArg(name = "redis-db", value = "1")})
@WithTestResource(OpenAiStandIn.class)
class CascadeTest {

    static final TestUser USER = TestUser.of("u-7", "org-cascade", "mid");
    static final String LARGE_TEXT = "Lyon has about 520,000 inhabitants.";

    @InjectWireMock
    WireMockServer wireMock;

    @Inject
    ModelGuards guards;

    @BeforeEach
    void freshProviders() {
        wireMock.resetAll();
        guards.reset();
        OpenAi.stub(wireMock, "large", OpenAi.answer("chatcmpl-large-1", LARGE_TEXT, "stop", 40, 12));
        OpenAi.stub(wireMock, "local", OpenAi.answer("chatcmpl-local-1", "Local model answer.", "stop", 40, 9));
    }

    static Response ask(String body) {
        return ask(body, UUID.randomUUID().toString());
    }

    static Response ask(String body, String requestId) {
        return given().auth().oauth2(TestInfra.get().tokens().mint(USER)).contentType(ContentType.JSON)
                .header("X-Request-Id", requestId).body(body)
                .when().post("/v1/chat/completions");
    }

    static String chat(String model, String extra) {
        return """
                {"model":"%s","messages":[{"role":"system","content":"Be brief."},
                 {"role":"user","content":"How many people live in Lyon?"}]%s}""".formatted(model, extra);
    }

    static void assertHonest(Response response) {
        String body = response.asString().toLowerCase();
        assertThat(body).doesNotContain("apologize").doesNotContain("fallback response")
                .doesNotContain("10.0.0.7").doesNotContain("upstream says").doesNotContain("sk-test");
    }

    @Test
    void happyPathCarriesProvenanceAndRealCost() {
        OpenAi.stub(wireMock, "small", OpenAi.answer("chatcmpl-small-42", "About 520,000.", "stop", 31, 120));

        Response response = ask(chat("auto", ""), "req-happy-1");

        response.then().statusCode(200).contentType(ContentType.JSON);
        JsonPath body = response.jsonPath();
        assertThat(body.getString("object")).isEqualTo("chat.completion");
        assertThat(body.getString("id")).isEqualTo("chatcmpl-small-42");
        assertThat(body.getString("model")).isEqualTo("small");
        assertThat(body.getString("choices[0].message.content")).isEqualTo("About 520,000.");
        assertThat(body.getString("choices[0].finish_reason")).isEqualTo("stop");
        assertThat(body.getInt("usage.total_tokens")).isEqualTo(151);
        assertThat(body.getString("provenance.model")).isEqualTo("small");
        assertThat(body.getString("provenance.provider")).isEqualTo("openai-compatible");
        assertThat(body.getString("provenance.provider_request_id")).isEqualTo("chatcmpl-small-42");
        assertThat(body.getBoolean("provenance.degraded")).isFalse();
        assertThat(body.getBoolean("provenance.cache_hit")).isFalse();
        assertThat(body.getDouble("provenance.quality_score")).isEqualTo(1.0);
        assertThat(body.getInt("provenance.usage.prompt_tokens")).isEqualTo(31);
        assertThat(body.getInt("provenance.usage.completion_tokens")).isEqualTo(120);
        // (31 × 0.5 + 120 × 1.5) / 1e6, to the last of its 12 decimal places, written without an exponent.
        assertThat(response.asString()).contains("\"total_cost_usd\":0.000195500000");
        assertThat(body.getString("provenance.produced_at")).isNotBlank();
        assertThat(body.getString("provenance.selection_reasoning")).contains("small").contains("finish_reason=stop");
        assertThat(body.getList("provenance.attempts", Map.class)).hasSize(1);
        assertThat(body.getString("provenance.attempts[0].outcome")).isEqualTo("success");
        assertHonest(response);

        // Upstream got the caller's request for its own model id, with our key, without Verity's options.
        wireMock.verify(1, OpenAi.calls("small")
                .withHeader("Authorization", equalTo("Bearer " + OpenAiStandIn.SMALL_KEY))
                .withRequestBody(matchingJsonPath("$.model", equalTo(OpenAiStandIn.SMALL_UPSTREAM)))
                .withRequestBody(matchingJsonPath("$.messages[1].content", equalTo("How many people live in Lyon?"))));
        assertThat(wireMock.getAllServeEvents().getFirst().getRequest().getBodyAsString())
                .doesNotContain("fallback").doesNotContain("\"cache\"");
        assertThat(OpenAi.count(wireMock, "large")).isZero();
    }

    @Test
    void toolCallsPassThroughBothWays() {
        OpenAi.stub(wireMock, "small", OpenAi.completion("chatcmpl-tools-1", """
                {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                 "function":{"name":"query_metrics","arguments":"{\\"metric\\":\\"latency_ms\\"}"}}]}""",
                "tool_calls", 50, 20, ""));
        String tools = """
                ,"tools":[{"type":"function","function":{"name":"query_metrics","parameters":{"type":"object",
                 "properties":{"metric":{"type":"string"}}}}}],"tool_choice":"auto\"""";

        Response response = ask(chat("auto", tools));

        response.then().statusCode(200);
        assertThat(response.jsonPath().getString("choices[0].message.tool_calls[0].function.name")).isEqualTo("query_metrics");
        assertThat(response.jsonPath().getString("choices[0].message.tool_calls[0].function.arguments"))
                .isEqualTo("{\"metric\":\"latency_ms\"}");
        assertThat(response.jsonPath().getString("choices[0].finish_reason")).isEqualTo("tool_calls");
        wireMock.verify(1, OpenAi.calls("small")
                .withRequestBody(matchingJsonPath("$.tools[0].function.name", equalTo("query_metrics")))
                .withRequestBody(matchingJsonPath("$.tool_choice", equalTo("auto"))));
    }

    @Test
    void truncatedAnswerEscalatesToTheNextTier() {
        OpenAi.stub(wireMock, "small", OpenAi.answer("chatcmpl-small-cut", "Lyon has about", "length", 31, 4));

        Response response = ask(chat("auto", ""));

        response.then().statusCode(200);
        JsonPath body = response.jsonPath();
        assertThat(body.getString("provenance.model")).isEqualTo("large");
        assertThat(body.getString("choices[0].message.content")).isEqualTo(LARGE_TEXT);
        assertThat(body.getString("provenance.provider_request_id")).isEqualTo("chatcmpl-large-1");
        assertThat(body.getBoolean("provenance.degraded")).isFalse();
        assertThat(body.getString("provenance.selection_reasoning")).contains("finish_reason=length");
        assertThat(body.getString("provenance.attempts[0].model")).isEqualTo("small");
        assertThat(body.getString("provenance.attempts[0].outcome")).isEqualTo("low_quality");
        assertThat(body.getDouble("provenance.attempts[0].quality_score")).isEqualTo(0.3);
        assertThat(body.getString("provenance.attempts[0].reason")).contains("finish_reason=length").contains("< 0.70");
        assertThat(body.getString("provenance.attempts[1].outcome")).isEqualTo("success");
        // Both calls were really made and paid for.
        // (31 × 0.5 + 4 × 1.5 + 40 × 5 + 12 × 15) / 1e6 exactly.
        assertThat(response.asString()).contains("\"total_cost_usd\":0.000401500000");
        assertHonest(response);
    }

    @Test
    void emptyContentEscalatesToTheNextTier() {
        OpenAi.stub(wireMock, "small", OpenAi.answer("chatcmpl-small-empty", "", "stop", 31, 0));

        Response response = ask(chat("auto", ""));

        response.then().statusCode(200);
        JsonPath body = response.jsonPath();
        assertThat(body.getString("provenance.model")).isEqualTo("large");
        assertThat(body.getString("choices[0].message.content")).isEqualTo(LARGE_TEXT);
        assertThat(body.getString("provenance.attempts[0].outcome")).isEqualTo("invalid_response");
        assertThat(body.getString("provenance.attempts[0].error_type")).isEqualTo("llm_invalid_response");
    }

    @Test
    void lowConfidenceLogprobsEscalate() {
        OpenAi.stub(wireMock, "small", OpenAi.completion("chatcmpl-small-unsure",
                "{\"role\":\"assistant\",\"content\":\"Maybe 3 million\"}", "stop", 31, 3,
                ",\"logprobs\":{\"content\":[{\"token\":\"Maybe\",\"logprob\":-2.9},{\"token\":\" 3\",\"logprob\":-3.4},"
                        + "{\"token\":\" million\",\"logprob\":-2.2}]}"));

        Response response = ask(chat("auto", ",\"logprobs\":true"));

        response.then().statusCode(200);
        assertThat(response.jsonPath().getString("provenance.model")).isEqualTo("large");
        assertThat(response.jsonPath().getString("provenance.selection_reasoning")).contains("mean token logprob");
    }

    @Test
    void whenNoAnswerReachesTheBarTheBestRealOneIsMarkedDegraded() {
        OpenAi.stub(wireMock, "small", OpenAi.answer("chatcmpl-small-cut", "Lyon has", "length", 31, 2));
        OpenAi.stub(wireMock, "large", OpenAi.answer("chatcmpl-large-cut", "Lyon has about 520", "length", 31, 5));
        OpenAi.stub(wireMock, "local", OpenAi.answer("chatcmpl-local-cut", "Lyon", "length", 31, 1));

        Response response = ask(chat("auto", ""));

        response.then().statusCode(200);
        JsonPath body = response.jsonPath();
        assertThat(body.getBoolean("provenance.degraded")).isTrue();
        assertThat(body.getDouble("provenance.quality_score")).isLessThan(0.7);
        assertThat(body.getString("provenance.selection_reasoning")).contains("no model reached quality");
        assertThat(body.getString("choices[0].message.content")).isIn("Lyon has", "Lyon has about 520", "Lyon");
    }

    /** Each provider fault: name, stub, error_type, HTTP status, attempt outcome, upstream Retry-After. */
    static Stream<Arguments> faults() {
        return Stream.of(
                Arguments.of("timeout", aResponse().withFixedDelay((int) OpenAiStandIn.SMALL_TIMEOUT_MS + 1200)
                        .withStatus(200).withBody("{}"), "llm_timeout", 504, "timeout", null),
                Arguments.of("HTTP 500", OpenAi.error(500, "server_error"), "llm_upstream_error", 502, "upstream_error", null),
                Arguments.of("connection reset", aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER),
                        "llm_upstream_error", 502, "upstream_error", null),
                Arguments.of("429 with Retry-After", OpenAi.error(429, "rate_limit_exceeded").withHeader("Retry-After", "7"),
                        "llm_rate_limited", 503, "rate_limited", 7),
                Arguments.of("401", OpenAi.error(401, "invalid_api_key"), "llm_auth_failed", 503, "auth_failed", null),
                Arguments.of("404 model not found", OpenAi.error(404, "model_not_found"), "llm_model_unavailable", 503,
                        "model_unavailable", null),
                Arguments.of("503 overloaded", OpenAi.error(503, "overloaded"), "llm_model_unavailable", 503,
                        "model_unavailable", null),
                Arguments.of("malformed JSON", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"id\":\"chatcmpl-x\",\"choices\":[{\"message\":"), "llm_invalid_response", 502,
                        "invalid_response", null),
                Arguments.of("empty choices", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"id\":\"chatcmpl-x\",\"object\":\"chat.completion\",\"choices\":[]}"),
                        "llm_invalid_response", 502, "invalid_response", null));
    }

    @ParameterizedTest(name = "{0} on the only model is a clean problem")
    @MethodSource("faults")
    void faultAloneIsACleanProblem(String name, com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder fault,
            String errorType, int status, String outcome, Integer retryAfter) {
        OpenAi.stub(wireMock, "small", fault);

        Response response = ask(chat("small", ",\"fallback\":\"deny\""), "req-fault-" + outcome);

        response.then().statusCode(status).contentType("application/problem+json");
        JsonPath problem = response.jsonPath();
        assertThat(problem.getString("error_type")).isEqualTo(errorType);
        assertThat(problem.getInt("status")).isEqualTo(status);
        assertThat(problem.getString("service")).isEqualTo("llm-cascade");
        assertThat(problem.getString("instance")).isEqualTo("urn:verity:request:req-fault-" + outcome);
        assertThat(problem.getString("attempts[0].model")).isEqualTo("small");
        assertThat(problem.getString("attempts[0].outcome")).isEqualTo(outcome);
        assertThat(problem.getList("attempts")).hasSize(1);
        boolean retryable = !"llm_auth_failed".equals(errorType);
        assertThat(problem.getBoolean("retryable")).isEqualTo(retryable);
        if (retryable) {
            String header = response.getHeader("Retry-After");
            assertThat(header).isNotNull();
            assertThat(problem.getInt("retry_after_seconds")).isEqualTo(Integer.parseInt(header));
            if (retryAfter != null) {
                assertThat(Integer.parseInt(header)).isEqualTo(retryAfter);
            }
        } else {
            assertThat(response.getHeader("Retry-After")).isNull();
        }
        assertThat(problem.getString("detail")).doesNotContain("Exception").doesNotContain("http");
        assertThat(problem.getMap("$")).doesNotContainKey("choices").doesNotContainKey("provenance");
        assertHonest(response);
        assertThat(OpenAi.count(wireMock, "large")).isZero();
    }

    @ParameterizedTest(name = "{0} with a second model gives its real answer, degraded")
    @MethodSource("faults")
    void faultWithASecondModelIsADegradedRealAnswer(String name,
            com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder fault, String errorType, int status,
            String outcome, Integer retryAfter) {
        OpenAi.stub(wireMock, "small", fault);

        Response response = ask(chat("auto", ""));

        response.then().statusCode(200);
        JsonPath body = response.jsonPath();
        assertThat(body.getString("choices[0].message.content")).isEqualTo(LARGE_TEXT);
        assertThat(body.getString("provenance.model")).isEqualTo("large");
        assertThat(body.getString("provenance.provider_request_id")).isEqualTo("chatcmpl-large-1");
        assertThat(body.getBoolean("provenance.degraded")).isTrue();
        assertThat(body.getString("provenance.attempts[0].model")).isEqualTo("small");
        assertThat(body.getString("provenance.attempts[0].outcome")).isEqualTo(outcome);
        assertThat(body.getString("provenance.attempts[0].error_type")).isEqualTo(errorType);
        assertThat(body.getString("provenance.attempts[1].model")).isEqualTo("large");
        assertThat(body.getString("provenance.attempts[1].outcome")).isEqualTo("success");
        assertThat(body.getString("provenance.selection_reasoning")).contains("small failed: " + errorType);
        assertHonest(response);
    }

    @Test
    void namedModelFailingIsAnsweredByAnotherModelUnlessDenied() {
        OpenAi.stub(wireMock, "large", OpenAi.error(500, "server_error"));
        OpenAi.stub(wireMock, "small", OpenAi.answer("chatcmpl-small-7", "About 520,000.", "stop", 31, 5));

        Response allowed = ask(chat("large", ""));
        allowed.then().statusCode(200);
        assertThat(allowed.jsonPath().getString("provenance.model")).isEqualTo("small");
        assertThat(allowed.jsonPath().getBoolean("provenance.degraded")).isTrue();
        assertThat(allowed.jsonPath().getString("provenance.attempts[0].model")).isEqualTo("large");

        int smallCalls = OpenAi.count(wireMock, "small");
        ask(chat("large", ",\"fallback\":\"deny\"")).then().statusCode(502)
                .body("error_type", org.hamcrest.Matchers.equalTo("llm_upstream_error"));
        assertThat(OpenAi.count(wireMock, "small")).isEqualTo(smallCalls);
    }

    @Test
    void transientUpstreamErrorsAreRetriedOnceAndCredentialsNever() {
        OpenAi.stub(wireMock, "small", OpenAi.error(500, "server_error"));
        ask(chat("small", ",\"fallback\":\"deny\"")).then().statusCode(502);
        assertThat(OpenAi.count(wireMock, "small")).isEqualTo(2);

        wireMock.resetRequests();
        OpenAi.stub(wireMock, "small", OpenAi.error(401, "invalid_api_key"));
        ask(chat("small", ",\"fallback\":\"deny\"")).then().statusCode(503);
        assertThat(OpenAi.count(wireMock, "small")).isEqualTo(1);
    }

    @Test
    void everyRouteFailingIsTheMostTellingProblemWithAllAttempts() {
        OpenAi.stub(wireMock, "small", OpenAi.error(500, "server_error"));
        OpenAi.stub(wireMock, "large", OpenAi.error(429, "rate_limit_exceeded").withHeader("Retry-After", "12"));
        OpenAi.stub(wireMock, "local", OpenAi.error(401, "invalid_api_key"));

        Response response = ask(chat("auto", ""));

        response.then().statusCode(503).header("Retry-After", "12");
        assertThat(response.jsonPath().getString("error_type")).isEqualTo("llm_rate_limited");
        assertThat(response.jsonPath().getList("attempts.model")).containsExactly("small", "large", "local");
        assertThat(response.jsonPath().getList("attempts.outcome"))
                .containsExactly("upstream_error", "rate_limited", "auth_failed");
        assertHonest(response);
    }

    @Test
    void upstreamRetryAfterIsHonouredWithoutCallingAgain() {
        OpenAi.stub(wireMock, "small", OpenAi.error(429, "rate_limit_exceeded").withHeader("Retry-After", "30"));
        ask(chat("small", ",\"fallback\":\"deny\"")).then().statusCode(503);

        Response again = ask(chat("small", ",\"fallback\":\"deny\""));

        again.then().statusCode(503);
        assertThat(again.jsonPath().getString("error_type")).isEqualTo("llm_rate_limited");
        assertThat(Integer.parseInt(again.getHeader("Retry-After"))).isBetween(1, 30);
        assertThat(OpenAi.count(wireMock, "small")).isEqualTo(1);
    }

    @Test
    void openBreakerSkipsTheDeadModelWithoutWaiting() {
        OpenAi.stub(wireMock, "small", aResponse().withFixedDelay((int) OpenAiStandIn.SMALL_TIMEOUT_MS + 1200)
                .withStatus(200).withBody("{}"));
        for (int i = 0; i < OpenAiStandIn.BREAKER_WINDOW; i++) {
            Response response = ask(chat("auto", ""));
            response.then().statusCode(200);
            assertThat(response.jsonPath().getString("provenance.attempts[0].outcome")).isEqualTo("timeout");
        }
        assertThat(OpenAi.count(wireMock, "small")).isEqualTo(OpenAiStandIn.BREAKER_WINDOW);
        given().get("/v1/status").then().statusCode(200)
                .body("components.'model:small'.state", org.hamcrest.Matchers.equalTo("open"))
                .body("status", org.hamcrest.Matchers.equalTo("degraded"));

        for (int i = 0; i < 3; i++) {
            Response response = ask(chat("auto", ""));
            response.then().statusCode(200);
            assertThat(response.jsonPath().getString("provenance.model")).isEqualTo("large");
            assertThat(response.jsonPath().getBoolean("provenance.degraded")).isTrue();
            assertThat(response.jsonPath().getString("provenance.attempts[0].outcome")).isEqualTo("circuit_open");
            // Skipped, not waited for: far below the model's timeout.
            assertThat(response.jsonPath().getLong("provenance.attempts[0].latency_ms"))
                    .isLessThan(OpenAiStandIn.SMALL_TIMEOUT_MS / 2);
        }
        assertThat(OpenAi.count(wireMock, "small")).isEqualTo(OpenAiStandIn.BREAKER_WINDOW);

        // The only model with an open breaker: a clean problem at once.
        Response alone = ask(chat("small", ",\"fallback\":\"deny\""));
        alone.then().statusCode(503).header("Retry-After", org.hamcrest.Matchers.notNullValue());
        assertThat(alone.jsonPath().getString("error_type")).isEqualTo("llm_unavailable");
        assertThat(alone.jsonPath().getString("attempts[0].outcome")).isEqualTo("circuit_open");
        assertThat(OpenAi.count(wireMock, "small")).isEqualTo(OpenAiStandIn.BREAKER_WINDOW);
    }

    @Test
    void withEveryBreakerOpenTheServiceSaysUnavailableAndCallsNobody() {
        for (String model : List.of("small", "large", "local")) {
            OpenAi.stub(wireMock, model, OpenAi.error(500, "server_error"));
        }
        // Each request tries every model twice (one retry): three requests fill each breaker's window.
        for (int i = 0; i < OpenAiStandIn.BREAKER_WINDOW / 2; i++) {
            ask(chat("auto", "")).then().statusCode(502);
        }
        given().get("/v1/status").then().statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("unavailable"))
                .body("reason", org.hamcrest.Matchers.equalTo("every model's circuit breaker is open"));
        int calls = wireMock.getAllServeEvents().size();

        Response response = ask(chat("auto", ""));

        response.then().statusCode(503).header("Retry-After", org.hamcrest.Matchers.notNullValue());
        assertThat(response.jsonPath().getString("error_type")).isEqualTo("llm_unavailable");
        assertThat(response.jsonPath().getList("attempts.outcome")).containsOnly("circuit_open").hasSize(3);
        assertThat(wireMock.getAllServeEvents()).hasSize(calls);
        assertHonest(response);
    }

    @Test
    void bulkheadRefusesCallsBeyondTheModelsConcurrency() throws Exception {
        // local: max-concurrency 1, so one call runs, one waits, and a third is refused at once.
        // The wait counts against the 3 s timeout: 2 x 1 s fits.
        OpenAi.stub(wireMock, "local", OpenAi.answer("chatcmpl-local-slow", "Local model answer.", "stop", 40, 9)
                .withFixedDelay(1000));
        String body = chat("local", ",\"fallback\":\"deny\"");
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(3)) {
            List<java.util.concurrent.Future<Response>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                futures.add(pool.submit(() -> ask(body)));
            }
            List<Response> responses = new java.util.ArrayList<>();
            for (var future : futures) {
                responses.add(future.get());
            }
            assertThat(responses).filteredOn(r -> r.statusCode() == 200).hasSize(2)
                    .allSatisfy(r -> assertThat(r.jsonPath().getString("choices[0].message.content"))
                            .isEqualTo("Local model answer."));
            Response refused = responses.stream().filter(r -> r.statusCode() != 200).findFirst().orElseThrow();
            refused.then().statusCode(503).header("Retry-After", "2");
            assertThat(refused.jsonPath().getString("error_type")).isEqualTo("overloaded");
            assertThat(refused.jsonPath().getString("attempts[0].outcome")).isEqualTo("bulkhead_full");
            assertHonest(refused);
        }
        assertThat(OpenAi.count(wireMock, "local")).isEqualTo(2);
    }

    @Test
    void modelsTooSmallForThePromptAreSkipped() {
        OpenAi.stub(wireMock, "small", OpenAi.answer("chatcmpl-small-x", "never used", "stop", 1, 1));
        // About 5,000 tokens by the conservative estimate: over small's window, within large's.
        String longText = "word ".repeat(3000);

        Response response = ask(chat("auto", "").replace("How many people live in Lyon?", longText));

        response.then().statusCode(200);
        assertThat(response.jsonPath().getString("provenance.model")).isEqualTo("large");
        assertThat(response.jsonPath().getBoolean("provenance.degraded")).isFalse();
        assertThat(response.jsonPath().getString("provenance.attempts[0].outcome")).isEqualTo("context_too_small");
        assertThat(OpenAi.count(wireMock, "small")).isZero();
    }

    @Test
    void promptBeyondEveryContextWindowIsRefused() {
        String hugeText = "word ".repeat(20_000);

        Response response = ask(chat("auto", "").replace("How many people live in Lyon?", hugeText));

        response.then().statusCode(400).contentType("application/problem+json");
        assertThat(response.jsonPath().getString("error_type")).isEqualTo("llm_context_length_exceeded");
        assertThat(response.jsonPath().getBoolean("retryable")).isFalse();
        assertThat(wireMock.getAllServeEvents()).isEmpty();
    }

    @Test
    void unknownPriceMeansUnknownCostNotZero() {
        Response response = ask(chat("local", ",\"fallback\":\"deny\""));

        response.then().statusCode(200);
        assertThat(response.jsonPath().getString("provenance.model")).isEqualTo("local");
        assertThat(response.jsonPath().getMap("provenance")).doesNotContainKey("total_cost_usd");
        assertThat(response.jsonPath().getInt("provenance.usage.prompt_tokens")).isEqualTo(40);
    }

    @Test
    void passedDeadlineCallsNoModel() {
        Response response = given().auth().oauth2(TestInfra.get().tokens().mint(USER)).contentType(ContentType.JSON)
                .header("X-Request-Deadline", String.valueOf(System.currentTimeMillis() - 1000))
                .body(chat("auto", "")).when().post("/v1/chat/completions");

        response.then().statusCode(504);
        assertThat(response.jsonPath().getString("error_type")).isEqualTo("llm_timeout");
        assertThat(wireMock.getAllServeEvents()).isEmpty();
    }

    @Test
    void deadlineShorterThanTheModelTimeoutEndsTheCallAtTheDeadline() {
        OpenAi.stub(wireMock, "small", aResponse().withFixedDelay(2000).withStatus(200).withBody("{}"));
        OpenAi.stub(wireMock, "large", aResponse().withFixedDelay(2000).withStatus(200).withBody("{}"));
        OpenAi.stub(wireMock, "local", aResponse().withFixedDelay(2000).withStatus(200).withBody("{}"));

        Response response = given().auth().oauth2(TestInfra.get().tokens().mint(USER)).contentType(ContentType.JSON)
                .header("X-Request-Deadline", String.valueOf(System.currentTimeMillis() + 300))
                .body(chat("large", ",\"fallback\":\"deny\"")).when().post("/v1/chat/completions");

        response.then().statusCode(504);
        assertThat(response.jsonPath().getString("error_type")).isEqualTo("llm_timeout");
        // Large's own timeout is 3 s; the deadline ended the attempt long before.
        assertThat(response.jsonPath().getLong("attempts[0].latency_ms")).isLessThan(2000);
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                Arguments.of(chat("auto", ",\"temperatur\":0.2"), "temperatur"),
                Arguments.of("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"colour\":\"red\"}]}",
                        "messages[0].colour"),
                Arguments.of("{\"model\":\"auto\",\"messages\":[]}", "messages"),
                Arguments.of("{\"model\":\"auto\",\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}", "role"),
                Arguments.of(chat("gpt-9", ""), "gpt-9"),
                Arguments.of(chat("auto", ",\"fallback\":\"sometimes\""), "fallback"),
                Arguments.of(chat("auto", ",\"temperature\":7"), "temperature"),
                Arguments.of(chat("auto", ",\"n\":3"), "'n'"),
                Arguments.of(chat("auto", ",\"stream\":true,\"cache\":true"), "cache"),
                Arguments.of(chat("auto", ",\"stream\":true,\"stream_options\":{\"chunk_size\":3}"),
                        "stream_options.chunk_size"));
    }

    @ParameterizedTest(name = "invalid: {1}")
    @MethodSource("invalidRequests")
    void invalidRequestsAreRefusedNamingTheField(String body, String named) {
        Response response = ask(body);

        response.then().statusCode(400).contentType("application/problem+json");
        assertThat(response.jsonPath().getString("error_type")).isEqualTo("invalid_request");
        assertThat(response.jsonPath().getString("detail")).contains(named);
        assertThat(wireMock.getAllServeEvents()).isEmpty();
    }

    @Test
    void cachedAnswerKeepsItsProvenanceAndSaysSo() {
        OpenAi.stub(wireMock, "small", OpenAi.answer("chatcmpl-small-cache-" + UUID.randomUUID(), "About 520,000.",
                "stop", 31, 120));
        String body = chat("auto", ",\"cache\":true,\"temperature\":0.0,\"seed\":" + System.nanoTime());

        Response first = ask(body);
        Response second = ask(body.replace("\n", " "));

        first.then().statusCode(200);
        second.then().statusCode(200);
        assertThat(first.jsonPath().getBoolean("provenance.cache_hit")).isFalse();
        assertThat(second.jsonPath().getBoolean("provenance.cache_hit")).isTrue();
        assertThat(second.jsonPath().getString("provenance.provider_request_id"))
                .isEqualTo(first.jsonPath().getString("provenance.provider_request_id"));
        assertThat(second.jsonPath().getString("provenance.produced_at"))
                .isEqualTo(first.jsonPath().getString("provenance.produced_at"));
        assertThat(second.jsonPath().getString("choices[0].message.content")).isEqualTo("About 520,000.");
        assertThat(OpenAi.count(wireMock, "small")).isEqualTo(1);

        // Without the opt-in the model is asked again.
        ask(body.replace(",\"cache\":true", "")).then().statusCode(200);
        assertThat(OpenAi.count(wireMock, "small")).isEqualTo(2);
    }

    @Test
    void attemptsAreCountedByModelAndOutcome() {
        OpenAi.stub(wireMock, "small", OpenAi.error(500, "server_error"));

        ask(chat("auto", "")).then().statusCode(200);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics)
                .containsPattern("verity_cascade_attempts_total\\{[^}]*model=\"small\",outcome=\"upstream_error\"[^}]*} [1-9]")
                .containsPattern("verity_cascade_attempts_total\\{[^}]*model=\"large\",outcome=\"success\"[^}]*} [1-9]")
                .contains("verity_cascade_attempt_latency_seconds_bucket")
                .containsPattern("verity_cascade_cost_usd_total\\{[^}]*model=\"large\"")
                .containsPattern("verity_cascade_breaker_state\\{[^}]*model=\"small\"");
    }

    @Test
    void aProviderRefusingOneRequestDoesNotOpenTheBreaker() {
        OpenAi.stub(wireMock, "small", OpenAi.error(400, "invalid_request_error"));
        for (int i = 0; i < OpenAiStandIn.BREAKER_WINDOW + 1; i++) {
            ask(chat("small", ",\"fallback\":\"deny\"")).then().statusCode(502);
        }
        assertThat(OpenAi.count(wireMock, "small")).isEqualTo(OpenAiStandIn.BREAKER_WINDOW + 1);
        given().get("/v1/status").then().body("components.'model:small'.state", org.hamcrest.Matchers.equalTo("closed"));
    }

    @Test
    void statusIsReadyWithEveryBreakerClosed() {
        given().get("/v1/status").then().statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("ready"))
                .body("components.'model:small'.state", org.hamcrest.Matchers.equalTo("closed"))
                .body("components.'model:large'.state", org.hamcrest.Matchers.equalTo("closed"))
                .body("components.'model:local'.state", org.hamcrest.Matchers.equalTo("closed"));
    }
}
