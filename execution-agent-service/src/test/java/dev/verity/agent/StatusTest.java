package dev.verity.agent;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verity.agent.support.DownstreamsTestResource;
import dev.verity.agent.support.Json;
import dev.verity.agent.support.StandIns;
import dev.verity.local.VerityTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.pubsub.PubSubCommands;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/status} includes the cascade's and the data agent's own status and follows them. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_agent_test"), @ResourceArg(name = "redis-db", value = "3")})
@WithTestResource(DownstreamsTestResource.class)
class StatusTest {

    @Inject
    RedisDataSource redis;

    @BeforeEach
    void reset() {
        StandIns.get().reset();
    }

    @AfterEach
    void ready() {
        StandIns.get().reset();
        given().get("/v1/status").then().body("status", equalTo("ready"));
    }

    @Test
    void readyWhenBothServicesAreReady() {
        given().get("/v1/status").then().statusCode(200)
                .body("status", equalTo("ready"))
                .body("components.llm-cascade.state", equalTo("ready"))
                .body("components.data-agent.state", equalTo("ready"))
                .body("components.redis.state", equalTo("up"));
    }

    @Test
    void unavailableWhenTheCascadeIsUnavailableWithItsReason() {
        StandIns.get().cascade().status("unavailable", "no provider configured");

        given().get("/v1/status").then().statusCode(200)
                .body("status", equalTo("unavailable"))
                .body("components.llm-cascade.state", equalTo("unavailable"))
                .body("components.llm-cascade.detail", equalTo("no provider configured"));
    }

    @Test
    void unavailableWhenTheCascadeCannotBeReached() {
        StandIns.get().cascade().statusUnreachable();

        given().get("/v1/status").then().statusCode(200)
                .body("status", equalTo("unavailable"))
                .body("components.llm-cascade.detail", equalTo("not reachable"));
    }

    @Test
    void degradedWhenTheCascadeIsDegraded() {
        StandIns.get().cascade().status("degraded", "model large circuit open");

        given().get("/v1/status").then().statusCode(200)
                .body("status", equalTo("degraded"))
                .body("components.llm-cascade.state", equalTo("degraded"));
    }

    @Test
    void degradedWhenTheDataAgentIsDown() {
        StandIns.get().dataAgent().statusUnreachable();

        given().get("/v1/status").then().statusCode(200)
                .body("status", equalTo("degraded"))
                .body("components.data-agent.state", equalTo("unavailable"))
                .body("components.llm-cascade.state", equalTo("ready"));
    }

    @Test
    void statusChangesArePublishedOnTheStatusChannel() {
        List<JsonNode> published = new CopyOnWriteArrayList<>();
        PubSubCommands.RedisSubscriber subscriber = redis.pubsub(String.class)
                .subscribe("verity:status", message -> published.add(Json.read(message)));
        try {
            given().get("/v1/status").then().body("status", equalTo("ready"));
            StandIns.get().cascade().status("unavailable", "no provider configured");
            given().get("/v1/status").then().body("status", equalTo("unavailable"));

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(published)
                    .anySatisfy(status -> {
                        assertThat(status.path("service").asText()).isEqualTo("execution-agent");
                        assertThat(status.path("status").asText()).isEqualTo("unavailable");
                        assertThat(status.path("components").path("llm-cascade").path("detail").asText())
                                .isEqualTo("no provider configured");
                    }));
        } finally {
            subscriber.unsubscribe();
        }
    }
}
