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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tier-aware failures through the real gateway: an enterprise failure is counted in its
 * organisation's support incident (opened by the first, joined by the rest), support hears once
 * per change, a success resolves it; lower tiers get where they stand and no incident.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class TierHandlingTest extends GatewayTestSupport {

    private static final String CHAT = "{\"message\":\"What did we spend yesterday?\"}";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Pool pool;

    private JsonPath failingChat(TestUser caller, String requestId) {
        return failingChat(caller, requestId, "tool_failed", 502, Services.EXECUTION_AGENT);
    }

    private JsonPath failingChat(TestUser caller, String requestId, String errorType, int status, String service) {
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", status, StandIns.problem(errorType, status, service, true));
        return given().auth().oauth2(tokens().mint(caller)).contentType(ContentType.JSON).body(CHAT)
                .header("X-Request-Id", requestId)
                .when().post("/api/v1/chat")
                .then().statusCode(status)
                .contentType("application/problem+json")
                .header("Retry-After", "17")
                .extract().jsonPath();
    }

    private void succeedingChat(TestUser caller) {
        String requestId = requestId("ok");
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", 200, StandIns.runAnswer(requestId, "We spent 12 dollars."));
        given().auth().oauth2(tokens().mint(caller)).contentType(ContentType.JSON).body(CHAT)
                .header("X-Request-Id", requestId)
                .when().post("/api/v1/chat")
                .then().statusCode(200);
    }

    private void succeedingCompletion(TestUser caller) {
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 200, StandIns.completion("Hello.", false));
        given().auth().oauth2(tokens().mint(caller)).contentType(ContentType.JSON)
                .body("{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .when().post("/v1/chat/completions")
                .then().statusCode(200);
    }

    private Row incident(String id) {
        RowSet<Row> rows = pool.preparedQuery("SELECT * FROM gateway.incidents WHERE id = $1")
                .execute(Tuple.of(id)).await().indefinitely();
        return rows.size() == 1 ? rows.iterator().next() : null;
    }

    private List<Row> incidentsOf(String orgId) {
        List<Row> rows = new ArrayList<>();
        pool.preparedQuery("SELECT * FROM gateway.incidents WHERE org_id = $1 ORDER BY first_seen")
                .execute(Tuple.of(orgId)).await().indefinitely().forEach(rows::add);
        return rows;
    }

    private static RequestPatternBuilder noticesFor(String orgId) {
        return postRequestedFor(urlEqualTo(DownstreamStandIns.WEBHOOK))
                .withRequestBody(matchingJsonPath("$.payload.group", equalTo(orgId)));
    }

    private List<JsonNode> notices(String orgId) throws Exception {
        List<JsonNode> bodies = new ArrayList<>();
        for (LoggedRequest request : standIns.wireMock().find(noticesFor(orgId))) {
            bodies.add(JSON.readTree(request.getBodyAsString()));
        }
        return bodies;
    }

    @Test
    void anEnterpriseFailureOpensTheIncidentAndAFreeFailureGetsQueueAndStatusPageAndNoIncident() {
        TestUser enterprise = user("enterprise");
        String entRequest = requestId("ent");
        JsonPath ent = failingChat(enterprise, entRequest);

        assertThat(ent.getString("error_type")).isEqualTo("tool_failed");
        assertThat(ent.getBoolean("tier_handling.enterprise_escalation")).isTrue();
        assertThat(ent.getString("tier_handling.incident")).isEqualTo("opened");
        assertThat(ent.getString("tier_handling.escalation_reference")).isEqualTo("ENT-" + entRequest);
        assertThat(ent.getString("tier_handling.account_manager_email")).isEqualTo(enterprise.accountManagerEmail());
        assertThat(ent.getString("tier_handling.support_contact")).isEqualTo("support@verity.local");
        assertThat(ent.getInt("tier_handling.priority_queue_position")).isEqualTo(1);
        assertThat(ent.getList("tier_handling.alternatives", String.class))
                .contains("POST /v1/chat/completions is available now.", "Retry after 17 seconds.");
        assertThat(ent.getMap("tier_handling")).doesNotContainKeys("queue_position", "status_page_url");
        Row row = incident(ent.getString("tier_handling.support_ticket_id"));
        assertThat(row).isNotNull();
        assertThat(row.getString("state")).isEqualTo("open");
        assertThat(row.getString("org_id")).isEqualTo(enterprise.orgId());
        assertThat(row.getString("service")).isEqualTo("execution-agent");
        assertThat(row.getString("error_type")).isEqualTo("tool_failed");
        assertThat(row.getLong("occurrences")).isEqualTo(1);
        assertThat(row.getArrayOfStrings("request_ids")).containsExactly(entRequest);

        TestUser free = user("free");
        JsonPath freeAnswer = failingChat(free, requestId("free"));
        assertThat(freeAnswer.getString("error_type")).isEqualTo("tool_failed");
        assertThat(freeAnswer.getBoolean("tier_handling.enterprise_escalation")).isFalse();
        assertThat(freeAnswer.getInt("tier_handling.queue_position")).isEqualTo(1);
        assertThat(freeAnswer.getString("tier_handling.status_page_url")).isEqualTo("http://gateway.test/status");
        assertThat(freeAnswer.getList("tier_handling.next_steps", String.class))
                .containsExactly("Retry after 17 seconds.", "Watch http://gateway.test/status for the state of each service.");
        assertThat(freeAnswer.getMap("tier_handling"))
                .doesNotContainKeys("support_ticket_id", "incident", "escalation_reference", "priority_queue_position");
        assertThat(incidentsOf(free.orgId())).as("lower tiers open no incident").isEmpty();
    }

    @Test
    void furtherFailuresOfTheOrgJoinTheOpenIncidentAndSupportIsToldOnce() throws Exception {
        TestUser first = user("enterprise");
        TestUser colleague = colleagueOf(first);
        String opening = requestId("open");
        JsonPath opened = failingChat(first, opening);
        String incidentId = opened.getString("tier_handling.support_ticket_id");

        List<String> joining = new ArrayList<>();
        for (TestUser caller : List.of(first, colleague, colleague)) {
            String requestId = requestId("join");
            joining.add(requestId);
            JsonPath joined = failingChat(caller, requestId);
            assertThat(joined.getString("tier_handling.support_ticket_id")).isEqualTo(incidentId);
            assertThat(joined.getString("tier_handling.incident")).isEqualTo("joined");
            assertThat(joined.getString("tier_handling.escalation_reference")).as("each request keeps its own reference")
                    .isEqualTo("ENT-" + requestId);
        }

        Row row = incident(incidentId);
        assertThat(row.getLong("occurrences")).isEqualTo(4);
        assertThat(row.getArrayOfStrings("request_ids")).containsExactly(opening, joining.get(0), joining.get(1), joining.get(2));
        assertThat(incidentsOf(first.orgId())).hasSize(1);

        await().atMost(Duration.ofSeconds(20)).until(() -> incident(incidentId).getOffsetDateTime("opened_notified_at") != null);
        List<JsonNode> notices = notices(first.orgId());
        assertThat(notices).as("one delivery for the opening, none for the occurrences that joined").hasSize(1);
        JsonNode notice = notices.getFirst();
        assertThat(notice.path("dedup_key").asText()).isEqualTo("verity/" + first.orgId() + "/execution-agent/tool_failed");
        assertThat(notice.path("event_action").asText()).isEqualTo("trigger");
        assertThat(notice.path("payload").path("severity").asText()).isEqualTo("error");
        assertThat(notice.path("payload").path("summary").asText()).contains("execution-agent").contains("tool_failed")
                .contains(first.orgId());
        JsonNode details = notice.path("payload").path("custom_details");
        assertThat(details.path("incident_id").asText()).isEqualTo(incidentId);
        assertThat(details.path("notice").asText()).isEqualTo("opened");
        assertThat(details.path("occurrences").asLong()).isEqualTo(1);
        assertThat(details.path("escalation_references").get(0).asText()).isEqualTo("ENT-" + opening);
    }

    @Test
    void anotherErrorTypeOrServiceIsAnotherIncident() {
        TestUser caller = user("enterprise");
        String toolFailed = failingChat(caller, requestId("a")).getString("tier_handling.support_ticket_id");
        JsonPath timeout = failingChat(caller, requestId("b"), "agent_timeout", 504, Services.EXECUTION_AGENT);
        JsonPath modelsDown = failingChat(caller, requestId("c"), "llm_unavailable", 503, Services.LLM_CASCADE);

        assertThat(timeout.getString("tier_handling.incident")).isEqualTo("opened");
        assertThat(modelsDown.getString("tier_handling.incident")).isEqualTo("opened");
        assertThat(List.of(toolFailed, timeout.getString("tier_handling.support_ticket_id"),
                modelsDown.getString("tier_handling.support_ticket_id"))).doesNotHaveDuplicates();
        assertThat(incidentsOf(caller.orgId())).hasSize(3);
    }

    @Test
    void aSuccessOfTheSameKindResolvesTheIncidentOnceAndTheNextFailureOpensANewOne() throws Exception {
        TestUser caller = user("enterprise");
        String first = failingChat(caller, requestId("before")).getString("tier_handling.support_ticket_id");
        failingChat(colleagueOf(caller), requestId("before"));

        succeedingChat(colleagueOf(caller));

        await().atMost(Duration.ofSeconds(10)).until(() -> "resolved".equals(incident(first).getString("state")));
        Row resolved = incident(first);
        assertThat(resolved.getString("resolution")).isEqualTo("success");
        assertThat(resolved.getOffsetDateTime("resolved_at")).isNotNull();
        await().atMost(Duration.ofSeconds(20)).until(() -> incident(first).getOffsetDateTime("resolved_notified_at") != null);

        succeedingChat(caller);
        JsonPath again = failingChat(caller, requestId("after"));
        String second = again.getString("tier_handling.support_ticket_id");
        assertThat(second).isNotEqualTo(first);
        assertThat(again.getString("tier_handling.incident")).isEqualTo("opened");
        await().atMost(Duration.ofSeconds(20)).until(() -> incident(second).getOffsetDateTime("opened_notified_at") != null);

        List<JsonNode> notices = notices(caller.orgId());
        assertThat(notices).extracting(n -> n.path("event_action").asText() + " " + n.path("payload").path("custom_details")
                        .path("incident_id").asText())
                .as("open, resolve, open: one delivery per change, the second success resolving nothing")
                .containsExactly("trigger " + first, "resolve " + first, "trigger " + second);
        JsonNode resolve = notices.get(1);
        assertThat(resolve.path("dedup_key").asText()).isEqualTo(notices.get(0).path("dedup_key").asText());
        assertThat(resolve.path("payload").path("custom_details").path("occurrences").asLong()).isEqualTo(2);
        assertThat(resolve.path("payload").path("custom_details").path("affected_users").asInt()).isEqualTo(2);
        assertThat(resolve.path("payload").path("custom_details").path("resolution").asText()).isEqualTo("success");
    }

    @Test
    void aSuccessThatDidNotNeedTheFailingServiceResolvesNothing() {
        TestUser caller = user("enterprise");
        String incidentId = failingChat(caller, requestId("agent")).getString("tier_handling.support_ticket_id");

        // A completion goes through the model cascade only, not the execution agent that failed.
        succeedingCompletion(caller);
        // Another organisation's success resolves nothing of this one.
        succeedingChat(user("enterprise"));

        JsonPath joined = failingChat(caller, requestId("still"));
        assertThat(joined.getString("tier_handling.incident")).isEqualTo("joined");
        assertThat(joined.getString("tier_handling.support_ticket_id")).isEqualTo(incidentId);
        assertThat(incident(incidentId).getString("state")).isEqualTo("open");
    }

    @Test
    void whenTheModelsFailTheOpenAiRouteIsNotOfferedAndRoutesThatDoNotNeedThemAre() {
        JsonPath answer = failingChat(user("enterprise"), requestId("models"), "llm_unavailable", 503, Services.LLM_CASCADE);

        List<String> alternatives = answer.getList("tier_handling.alternatives", String.class);
        assertThat(alternatives).noneMatch(a -> a.contains("/v1/chat/completions"))
                .contains("POST /api/v1/metrics/query is available now.", "POST /api/v1/cost-analysis is available now.");
    }

    @Test
    void aRouteWhoseServiceIsDownIsNotOfferedEither() {
        standIns.status(Services.DATA_AGENT, "unavailable");
        poll();

        List<String> alternatives = failingChat(user("enterprise"), requestId("down"))
                .getList("tier_handling.alternatives", String.class);
        assertThat(alternatives).contains("POST /v1/chat/completions is available now.")
                .noneMatch(a -> a.contains("/api/v1/metrics") || a.contains("/api/v1/cost-analysis"));
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

        TestUser caller = user("enterprise");
        String requestId = requestId("down");
        JsonPath ent = failingChat(caller, requestId);
        assertThat(ent.getString("error_type")).isEqualTo("tool_failed");
        assertThat(ent.getBoolean("tier_handling.enterprise_escalation")).isTrue();
        assertThat(ent.getString("tier_handling.incident")).isEqualTo("opened");
        assertThat(ent.getString("tier_handling.escalation_reference")).isEqualTo("ENT-" + requestId);
        String incidentId = ent.getString("tier_handling.support_ticket_id");
        assertThat(incident(incidentId)).isNotNull();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Row row = incident(incidentId);
            assertThat(row.getOffsetDateTime("opened_notified_at")).isNotNull();
            assertThat(row.getInteger("notify_attempts")).isEqualTo(3);
            assertThat(row.getInteger("notify_failures")).isZero();
        });
        standIns.wireMock().verifyThat(3, noticesFor(caller.orgId()));
    }

    @Test
    void problemsTheCallerCausedEscalateNothing() {
        standIns.answer(Services.DATA_AGENT, "/v1/usage", 422, """
                {"type":"urn:verity:problem:data-validation-failed","title":"t","status":422,\
                "detail":"Row 0: field 'model' is required.","error_type":"data_validation_failed","service":"data-agent",\
                "retryable":false}""");
        TestUser caller = user("enterprise");
        Map<String, Object> handling = given().auth().oauth2(tokens().mint(caller)).contentType(ContentType.JSON)
                .body("{\"calls\":[{}]}")
                .when().post("/api/v1/usage")
                .then().statusCode(422)
                .extract().jsonPath().getMap("tier_handling");
        assertThat(handling).containsEntry("enterprise_escalation", false).doesNotContainKeys("support_ticket_id", "incident");
        assertThat(handling.get("next_steps").toString()).contains("Correct the request");
        assertThat(incidentsOf(caller.orgId())).isEmpty();
    }
}
