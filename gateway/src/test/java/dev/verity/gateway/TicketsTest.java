package dev.verity.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.verity.contract.Services;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/tickets/{id}}: the user an enterprise failure escalated for reads their ticket;
 * anyone else gets {@code 403 forbidden} (other user's or org's resource), an id that
 * names no ticket {@code 404 not_found}, no token {@code 401}.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class TicketsTest extends GatewayTestSupport {

    /** An enterprise failure on the chat route, which opens a real ticket; returns its id. */
    private String ticketFor(TestUser owner, String requestId) {
        standIns.answer(Services.EXECUTION_AGENT, "/v1/runs", 502, StandIns.problem("tool_failed", 502, "execution-agent", true));
        return given().auth().oauth2(tokens().mint(owner)).contentType(ContentType.JSON)
                .body("{\"message\":\"What did we spend yesterday?\"}")
                .header("X-Request-Id", requestId)
                .when().post("/api/v1/chat")
                .then().statusCode(502)
                .extract().jsonPath().getString("tier_handling.support_ticket_id");
    }

    @Test
    void theOwnerReadsTheirTicket() {
        TestUser owner = user("enterprise");
        String requestId = requestId("own");
        String ticket = ticketFor(owner, requestId);
        assertThat(ticket).isNotBlank();

        given().auth().oauth2(tokens().mint(owner))
                .when().get("/api/v1/tickets/" + ticket)
                .then().statusCode(200)
                .contentType(ContentType.JSON)
                .body("ticket_id", equalTo(ticket))
                .body("escalation_reference", equalTo("ENT-" + requestId))
                .body("request_id", equalTo(requestId))
                .body("user_id", equalTo(owner.userId()))
                .body("error_type", equalTo("tool_failed"))
                .body("status", equalTo(502));
    }

    @Test
    void anotherUsersTicketIsForbiddenWhetherInTheSameOrgOrAnother() {
        TestUser owner = user("enterprise");
        String ticket = ticketFor(owner, requestId("theirs"));
        TestUser colleague = TestUser.of("u-colleague-" + UUID.randomUUID().toString().substring(0, 8), owner.orgId(), "enterprise");
        TestUser stranger = user("mid");

        for (TestUser other : new TestUser[] {colleague, stranger}) {
            String body = given().auth().oauth2(tokens().mint(other))
                    .when().get("/api/v1/tickets/" + ticket)
                    .then().statusCode(403)
                    .contentType("application/problem+json")
                    .body("error_type", equalTo("forbidden"))
                    .body("retryable", equalTo(false))
                    .body("service", equalTo("gateway"))
                    .extract().asString();
            assertThat(body).as("nothing of the ticket leaks").doesNotContain(owner.userId()).doesNotContain("ENT-");
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
