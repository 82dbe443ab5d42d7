package dev.verity.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.verity.contract.Services;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/tickets/{id}}: every user of the organisation whom the incident affected reads
 * it, with their own request ids only; a colleague it did not affect gets {@code 403 forbidden};
 * to another organisation, and for an id that names nothing, it is {@code 404 not_found} (the
 * same answer, so ids leak nothing across organisations); no token {@code 401}.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class TicketsTest extends GatewayTestSupport {

    /** An enterprise failure on the chat route, counted in the org's incident; returns its id. */
    private String ticketFor(TestUser caller, String requestId) {
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", 502, StandIns.problem("tool_failed", 502, "execution-agent", true));
        return given().auth().oauth2(tokens().mint(caller)).contentType(ContentType.JSON)
                .body("{\"message\":\"What did we spend yesterday?\"}")
                .header("X-Request-Id", requestId)
                .when().post("/api/v1/chat")
                .then().statusCode(502)
                .extract().jsonPath().getString("tier_handling.support_ticket_id");
    }

    @Test
    void everyAffectedUserReadsTheIncidentWithTheirOwnRequestIds() {
        TestUser owner = user("enterprise");
        TestUser colleague = colleagueOf(owner);
        String first = requestId("own");
        String second = requestId("own");
        String theirs = requestId("colleague");
        String ticket = ticketFor(owner, first);
        assertThat(ticket).isNotBlank();
        assertThat(ticketFor(colleague, theirs)).isEqualTo(ticket);
        assertThat(ticketFor(owner, second)).isEqualTo(ticket);

        given().auth().oauth2(tokens().mint(owner))
                .when().get("/api/v1/tickets/" + ticket)
                .then().statusCode(200)
                .contentType(ContentType.JSON)
                .body("id", equalTo(ticket))
                .body("state", equalTo("open"))
                .body("service", equalTo("execution-agent"))
                .body("error_type", equalTo("tool_failed"))
                .body("occurrences", equalTo(3))
                .body("affected_users", equalTo(2))
                .body("first_seen", notNullValue())
                .body("last_seen", notNullValue())
                .body("resolved_at", nullValue())
                .body("resolution", nullValue())
                .body("request_ids", contains(first, second))
                .body("request_ids_total", equalTo(2));

        given().auth().oauth2(tokens().mint(colleague))
                .when().get("/api/v1/tickets/" + ticket)
                .then().statusCode(200)
                .body("occurrences", equalTo(3))
                .body("request_ids", containsInAnyOrder(theirs))
                .body("request_ids_total", equalTo(1));
    }

    @Test
    void aResolvedIncidentSaysWhenAndWhy() {
        TestUser owner = user("enterprise");
        String ticket = ticketFor(owner, requestId("res"));
        String okRequest = requestId("ok");
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", 200, StandIns.runAnswer(okRequest, "We spent 12 dollars."));
        given().auth().oauth2(tokens().mint(owner)).contentType(ContentType.JSON).body("{\"message\":\"again\"}")
                .header("X-Request-Id", okRequest)
                .when().post("/api/v1/chat")
                .then().statusCode(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().auth().oauth2(tokens().mint(owner))
                .when().get("/api/v1/tickets/" + ticket)
                .then().statusCode(200)
                .body("state", equalTo("resolved"))
                .body("resolution", equalTo("success"))
                .body("resolved_at", notNullValue()));
    }

    @Test
    void aColleagueItDidNotAffectIsForbiddenAndNothingLeaks() {
        TestUser owner = user("enterprise");
        String ticket = ticketFor(owner, requestId("theirs"));
        TestUser colleague = colleagueOf(owner);

        String body = given().auth().oauth2(tokens().mint(colleague))
                .when().get("/api/v1/tickets/" + ticket)
                .then().statusCode(403)
                .contentType("application/problem+json")
                .body("error_type", equalTo("forbidden"))
                .body("retryable", equalTo(false))
                .body("service", equalTo("gateway"))
                .extract().asString();
        assertThat(body).as("nothing of the incident leaks").doesNotContain(owner.userId()).doesNotContain("ENT-")
                .doesNotContain("tool_failed");
    }

    @Test
    void anotherOrganisationCannotTellTheIdFromOneThatDoesNotExist() {
        TestUser owner = user("enterprise");
        String ticket = ticketFor(owner, requestId("org"));

        for (TestUser stranger : new TestUser[] {user("enterprise"), user("mid"),
                TestUser.of(owner.userId(), "org-other-" + UUID.randomUUID().toString().substring(0, 8), "enterprise")}) {
            String existing = given().auth().oauth2(tokens().mint(stranger))
                    .when().get("/api/v1/tickets/" + ticket)
                    .then().statusCode(404)
                    .contentType("application/problem+json")
                    .body("error_type", equalTo("not_found"))
                    .extract().jsonPath().getString("detail");
            String unknown = given().auth().oauth2(tokens().mint(stranger))
                    .when().get("/api/v1/tickets/" + UUID.randomUUID())
                    .then().statusCode(404)
                    .extract().jsonPath().getString("detail");
            assertThat(existing).isEqualTo(unknown);
        }
    }

    @Test
    void anUnknownIdIsNotFoundAndNoTokenIsUnauthenticated() {
        TestUser caller = user("enterprise");
        given().auth().oauth2(tokens().mint(caller))
                .when().get("/api/v1/tickets/" + UUID.randomUUID())
                .then().statusCode(404)
                .contentType("application/problem+json")
                .body("error_type", equalTo("not_found"))
                .body("retryable", equalTo(false));

        given().when().get("/api/v1/tickets/" + UUID.randomUUID())
                .then().statusCode(401)
                .contentType("application/problem+json")
                .body("error_type", equalTo("unauthenticated"));
    }
}
