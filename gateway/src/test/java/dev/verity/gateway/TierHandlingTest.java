package dev.verity.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.verity.contract.Services;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class TierHandlingTest extends GatewayTestSupport {

    private static final String CHAT = "{\"message\":\"What did we spend yesterday?\"}";

    @Inject
    Pool pool;

    private JsonPath failingChat(TestUser caller, String requestId) {
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", 502, StandIns.problem("tool_failed", 502, "execution-agent", true));
        return given().auth().oauth2(tokens().mint(caller)).contentType(ContentType.JSON).body(CHAT)
                .header("X-Request-Id", requestId)
                .when().post("/api/v1/chat")
                .then().statusCode(502)
                .contentType("application/problem+json")
                .header("Retry-After", "17")
                .extract().jsonPath();
    }

    private Row ticket(String id) {
        RowSet<Row> rows = pool.preparedQuery("SELECT * FROM gateway.support_tickets WHERE id = $1")
                .execute(Tuple.of(id)).await().indefinitely();
        return rows.size() == 1 ? rows.iterator().next() : null;
    }

    @Test
    void enterpriseGetsAPersistedTicketAndEscalationFreeGetsQueueAndStatusPage() {
        TestUser enterprise = user("enterprise");
        String entRequest = requestId("ent");
        JsonPath ent = failingChat(enterprise, entRequest);

        assertThat(ent.getString("error_type")).isEqualTo("tool_failed");
        assertThat(ent.getBoolean("tier_handling.enterprise_escalation")).isTrue();
        assertThat(ent.getString("tier_handling.escalation_reference")).isEqualTo("ENT-" + entRequest);
        assertThat(ent.getString("tier_handling.account_manager_email")).isEqualTo(enterprise.accountManagerEmail());
        assertThat(ent.getString("tier_handling.support_contact")).isEqualTo("support@verity.local");
        assertThat(ent.getInt("tier_handling.priority_queue_position")).isEqualTo(1);
        assertThat(ent.getList("tier_handling.alternatives", String.class))
                .contains("POST /v1/chat/completions is available now.", "Retry after 17 seconds.");
        assertThat(ent.getMap("tier_handling")).doesNotContainKeys("queue_position", "status_page_url");
        Row row = ticket(ent.getString("tier_handling.support_ticket_id"));
        assertThat(row).isNotNull();
        assertThat(row.getString("request_id")).isEqualTo(entRequest);
        assertThat(row.getString("user_id")).isEqualTo(enterprise.userId());
        assertThat(row.getString("org_id")).isEqualTo(enterprise.orgId());
        assertThat(row.getString("error_type")).isEqualTo("tool_failed");
        assertThat(row.getString("escalation_reference")).isEqualTo("ENT-" + entRequest);

        TestUser free = user("free");
        JsonPath freeAnswer = failingChat(free, requestId("free"));
        assertThat(freeAnswer.getString("error_type")).isEqualTo("tool_failed");
        assertThat(freeAnswer.getBoolean("tier_handling.enterprise_escalation")).isFalse();
        assertThat(freeAnswer.getInt("tier_handling.queue_position")).isEqualTo(1);
        assertThat(freeAnswer.getString("tier_handling.status_page_url")).isEqualTo("http://gateway.test/status");
        assertThat(freeAnswer.getList("tier_handling.next_steps", String.class))
                .containsExactly("Retry after 17 seconds.", "Watch http://gateway.test/status for the state of each service.");
        assertThat(freeAnswer.getMap("tier_handling"))
                .doesNotContainKeys("support_ticket_id", "escalation_reference", "priority_queue_position");
    }

    @Test
    void theWebhookReceivesTheEscalation() {
        String requestId = requestId("hook");
        JsonPath ent = failingChat(user("enterprise"), requestId);
        String ticketId = ent.getString("tier_handling.support_ticket_id");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> standIns.wireMock().verifyThat(1,
                postRequestedFor(urlEqualTo(DownstreamStandIns.WEBHOOK))
                        .withRequestBody(matchingJsonPath("$.escalation_reference", equalTo("ENT-" + requestId)))
                        .withRequestBody(matchingJsonPath("$.ticket_id", equalTo(ticketId)))
                        .withRequestBody(matchingJsonPath("$.error_type", equalTo("tool_failed")))));
        await().atMost(Duration.ofSeconds(20)).until(() -> ticket(ticketId).getOffsetDateTime("notified_at") != null);
    }

    @Test
    void aReceiverThatIsDownDoesNotChangeTheAnswerAndTheNotificationIsRetried() {
        standIns.wireMock().register(post(urlEqualTo(DownstreamStandIns.WEBHOOK)).inScenario("receiver")
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("still down")
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        standIns.wireMock().register(post(urlEqualTo(DownstreamStandIns.WEBHOOK)).inScenario("receiver")
                .whenScenarioStateIs("still down").willSetStateTo("back")
                .willReturn(aResponse().withStatus(503)));
        standIns.wireMock().register(post(urlEqualTo(DownstreamStandIns.WEBHOOK)).inScenario("receiver")
                .whenScenarioStateIs("back")
                .willReturn(aResponse().withStatus(202)));

        String requestId = requestId("down");
        JsonPath ent = failingChat(user("enterprise"), requestId);
        assertThat(ent.getString("error_type")).isEqualTo("tool_failed");
        assertThat(ent.getBoolean("tier_handling.enterprise_escalation")).isTrue();
        assertThat(ent.getString("tier_handling.escalation_reference")).isEqualTo("ENT-" + requestId);
        String ticketId = ent.getString("tier_handling.support_ticket_id");
        assertThat(ticket(ticketId)).isNotNull();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Row row = ticket(ticketId);
            assertThat(row.getOffsetDateTime("notified_at")).isNotNull();
            assertThat(row.getInteger("notify_attempts")).isEqualTo(3);
        });
        standIns.wireMock().verifyThat(3, postRequestedFor(urlEqualTo(DownstreamStandIns.WEBHOOK)));
    }

    @Test
    void problemsTheCallerCausedEscalateNothing() {
        standIns.answer(Services.DATA_AGENT, "/v1/usage", 422, """
                {"type":"urn:verity:problem:data-validation-failed","title":"t","status":422,\
                "detail":"Row 0: field 'model' is required.","error_type":"data_validation_failed","service":"data-agent",\
                "retryable":false}""");
        Map<String, Object> handling = given().auth().oauth2(tokens().mint(user("enterprise"))).contentType(ContentType.JSON)
                .body("{\"calls\":[{}]}")
                .when().post("/api/v1/usage")
                .then().statusCode(422)
                .extract().jsonPath().getMap("tier_handling");
        assertThat(handling).containsEntry("enterprise_escalation", false).doesNotContainKey("support_ticket_id");
        assertThat(handling.get("next_steps").toString()).contains("Correct the request");
    }
}
