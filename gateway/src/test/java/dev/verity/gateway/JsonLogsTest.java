package dev.verity.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Services;
import dev.verity.local.VerityTestResource;
import dev.verity.runtime.trace.ConsoleLog;
import dev.verity.runtime.trace.TracingOn;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With {@code quarkus.log.console.json=true} every console line is one JSON object, and a line
 * written while a request runs names that request: its {@code x-verity-request-id} and the
 * {@code trace_id} / {@code span_id} of its trace, the same trace id the cascade receives in
 * {@code traceparent}, so an operator goes from a user's request id to the trace and back.
 */
@QuarkusTest
@TestProfile(JsonLogsTest.JsonLogsOn.class)
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class JsonLogsTest extends GatewayTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BODY = """
            {"model":"auto","messages":[{"role":"user","content":"How many people live in Lyon?"}]}""";

    public static class JsonLogsOn extends TracingOn {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("quarkus.log.console.json", "true");
            return config;
        }
    }

    @Test
    void aLineWrittenDuringARequestCarriesItsRequestIdTraceIdAndSpanId() throws Exception {
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 503,
                StandIns.problem("llm_unavailable", 503, Services.LLM_CASCADE, true));
        String requestId = requestId("json-log");

        List<String> lines;
        try (ConsoleLog log = ConsoleLog.capture()) {
            given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON)
                    .header("X-Request-Id", requestId).body(BODY)
                    .when().post("/v1/chat/completions").then().statusCode(503);
            // The gateway logs the cascade's refusal under the request's id.
            await().atMost(Duration.ofSeconds(10)).until(() -> log.lines().stream().anyMatch(l -> l.contains(requestId)));
            lines = log.lines();
        }

        JsonNode line = JSON.readTree(lines.stream().filter(l -> l.contains("answered 503")).filter(l -> l.contains(requestId))
                .findFirst().orElseThrow(() -> new AssertionError("no refusal line in " + lines)));
        assertThat(line.path("message").asText()).contains(requestId);
        assertThat(line.path("level").asText()).isEqualTo("INFO");
        JsonNode mdc = line.path("mdc");
        assertThat(mdc.path("request_id").asText()).isEqualTo(requestId);
        String traceparent = standIns.wireMock().find(postRequestedFor(urlEqualTo("/cascade/v1/chat/completions")))
                .stream().filter(r -> requestId.equals(r.getHeader("X-Request-Id"))).findFirst().orElseThrow()
                .getHeader("traceparent");
        assertThat(mdc.path("trace_id").asText()).matches("[0-9a-f]{32}").isEqualTo(traceparent.split("-")[1]);
        assertThat(mdc.path("span_id").asText()).matches("[0-9a-f]{16}");
        // Every captured line is one JSON object, not only the one asserted on.
        for (String each : lines) {
            assertThat(JSON.readTree(each).isObject()).as(each).isTrue();
        }
    }

    @Test
    void aLineWrittenOutsideAnyRequestCarriesNoRequestOrTrace() throws Exception {
        List<String> lines;
        try (ConsoleLog log = ConsoleLog.capture()) {
            org.jboss.logging.MDC.clear();
            io.quarkus.logging.Log.info("json-log-test: outside any request");
            lines = log.lines();
        }

        JsonNode line = JSON.readTree(lines.stream().filter(l -> l.contains("outside any request")).findFirst().orElseThrow());
        assertThat(line.path("mdc").has("request_id")).isFalse();
        assertThat(line.path("mdc").has("trace_id")).isFalse();
    }
}
