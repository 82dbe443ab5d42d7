package dev.verity.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.agent.support.CascadeStandIn;
import dev.verity.agent.support.CascadeStandIn.Stage;
import dev.verity.agent.support.DownstreamsTestResource;
import dev.verity.agent.support.Runs;
import dev.verity.agent.support.StandIns;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each model turn is in the GenAI client histograms, by the model asked for and the one that answered. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_agent_test"), @ResourceArg(name = "redis-db", value = "3")})
@WithTestResource(DownstreamsTestResource.class)
class GenAiMetricsTest {

    private final CascadeStandIn cascade = StandIns.get().cascade();
    private String token;

    @BeforeEach
    void reset() {
        StandIns.get().reset();
        token = TestInfra.get().tokens().mint(TestUser.of("u-genai-" + UUID.randomUUID(), "org-a", "mid"));
    }

    @Test
    void aModelTurnIsRecordedWithTheAnsweringModel() {
        cascade.answersText(Stage.ANY, null, "Your p95 latency today was 812 ms.", "large", false);

        Runs.stream(token, "How fast were my calls today?", "req-genai-1").asString();

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern("gen_ai_client_operation_duration_seconds_count\\{[^}]*error_type=\"none\""
                + "[^}]*gen_ai_provider_name=\"verity\",gen_ai_request_model=\"auto\",gen_ai_response_model=\"large\"[^}]*} [1-9]")
                .contains("gen_ai_client_operation_duration_seconds_bucket");
    }
}
