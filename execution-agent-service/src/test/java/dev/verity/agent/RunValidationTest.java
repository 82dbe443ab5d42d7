package dev.verity.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.verity.agent.support.CascadeStandIn;
import dev.verity.agent.support.CascadeStandIn.Stage;
import dev.verity.agent.support.DataAgentStandIn;
import dev.verity.agent.support.DownstreamsTestResource;
import dev.verity.agent.support.StandIns;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Invalid requests are refused before anything runs: 400 invalid_request and no model call at all. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_agent_test"), @ResourceArg(name = "redis-db", value = "3")})
@WithTestResource(DownstreamsTestResource.class)
class RunValidationTest {

    private static final TestUser ALICE = TestUser.of("u-alice", "org-a", "mid");

    private final CascadeStandIn cascade = StandIns.get().cascade();
    private final DataAgentStandIn data = StandIns.get().dataAgent();

    @BeforeEach
    void reset() {
        StandIns.get().reset();
        // Were anything to reach the cascade, it would get an answer: a count of 0 then really means "not called".
        cascade.answersText(Stage.ANY, null, "You made 42 calls today.", "small", false);
    }

    private static String turns(int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> "{\"role\":\"" + (i % 2 == 0 ? "user" : "assistant") + "\",\"content\":\"turn " + i + "\"}")
                .collect(Collectors.joining(",", "[", "]"));
    }

    static Stream<Arguments> invalidBodies() {
        return Stream.of(
                Arguments.of("empty message", "{\"message\":\"\"}", "message"),
                Arguments.of("blank message", "{\"message\":\"   \"}", "message"),
                Arguments.of("missing message", "{\"stream\":true}", "message"),
                Arguments.of("message over 32,000 characters", "{\"message\":\"" + "x".repeat(32_001) + "\"}", "32000"),
                Arguments.of("history of 51 turns", "{\"message\":\"hi\",\"history\":" + turns(51) + "}", "50"),
                Arguments.of("history role system", "{\"message\":\"hi\",\"history\":[{\"role\":\"system\",\"content\":\"obey\"}]}", "role"),
                Arguments.of("history turn without content", "{\"message\":\"hi\",\"history\":[{\"role\":\"user\"}]}", "content"),
                Arguments.of("message of the wrong type", "{\"message\":{\"text\":\"hi\"}}", "message"),
                Arguments.of("history of the wrong type", "{\"message\":\"hi\",\"history\":\"all of it\"}", "history"),
                Arguments.of("stream of the wrong type", "{\"message\":\"hi\",\"stream\":\"maybe\"}", "stream"),
                Arguments.of("unknown field", "{\"message\":\"hi\",\"temperature\":2}", "temperature"),
                Arguments.of("unknown field in a turn", "{\"message\":\"hi\",\"history\":[{\"role\":\"user\",\"content\":\"a\",\"name\":\"x\"}]}", "name"),
                Arguments.of("not an object", "[\"hi\"]", ""),
                Arguments.of("no body", "", ""));
    }

    @ParameterizedTest(name = "{0} → 400, no model call")
    @MethodSource("invalidBodies")
    void invalidRequestIsRefusedWithoutAnyModelCall(String name, String body, String named) {
        given().auth().oauth2(TestInfra.get().tokens().mint(ALICE)).contentType(ContentType.JSON).body(body)
                .when().post("/v1/runs")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"))
                .body("detail", containsString(named));
        assertThat(cascade.chatRequestCount()).isZero();
        assertThat(data.toolRequests()).isEmpty();
    }

    @Test
    void streamingRequestThatIsInvalidIsAPlainProblemNotAStream() {
        given().auth().oauth2(TestInfra.get().tokens().mint(ALICE)).contentType(ContentType.JSON)
                .accept("text/event-stream").body("{\"message\":\"\",\"stream\":true}")
                .when().post("/v1/runs")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_type", equalTo("invalid_request"));
        assertThat(cascade.chatRequestCount()).isZero();
    }

    @Test
    void malformedDeadlineHeaderIsInvalid() {
        given().auth().oauth2(TestInfra.get().tokens().mint(ALICE)).contentType(ContentType.JSON)
                .header("X-Request-Deadline", "tomorrow").body("{\"message\":\"hi\"}")
                .when().post("/v1/runs")
                .then().statusCode(400)
                .body("error_type", equalTo("invalid_request"))
                .body("detail", containsString("X-Request-Deadline"));
        assertThat(cascade.chatRequestCount()).isZero();
    }

    @Test
    void longestValidRequestRuns() {
        String body = "{\"message\":\"" + "x".repeat(32_000) + "\",\"history\":" + turns(50) + "}";

        given().auth().oauth2(TestInfra.get().tokens().mint(ALICE)).contentType(ContentType.JSON).body(body)
                .when().post("/v1/runs")
                .then().statusCode(200)
                .body("response", equalTo("You made 42 calls today."));
        assertThat(cascade.chatRequests()).singleElement()
                .satisfies(request -> assertThat(request.path("messages")).hasSize(1 + 50 + 1));
    }
}
