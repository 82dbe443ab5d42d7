package dev.verity.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.contract.Services;
import dev.verity.contract.receipt.ReceiptVerifier;
import dev.verity.contract.receipt.ReceivedAnswer;
import dev.verity.local.TestInfra;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code GET /.well-known/verity/receipt-keys}: the JWKS, without a token, enough to verify what the gateway delivers. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class ReceiptKeysTest extends GatewayTestSupport {

    @Test
    void theKeysArePublishedWithoutATokenAsAnEd25519Jwks() {
        JsonPath jwks = given().when().get("/.well-known/verity/receipt-keys")
                .then().statusCode(200).contentType("application/jwk-set+json")
                .header("Cache-Control", "public, max-age=300")
                .extract().jsonPath();

        Map<String, Object> key = jwks.getMap("keys[0]");
        assertThat(key).containsEntry("kty", "OKP").containsEntry("crv", "Ed25519")
                .containsEntry("kid", TestInfra.get().receiptKeys().kid())
                .containsEntry("x", TestInfra.get().receiptKeys().publicKey())
                .doesNotContainKey("d");
        assertThat(jwks.prettify()).doesNotContain(TestInfra.get().receiptKeys().privateKey())
                .doesNotContain(TestInfra.get().receiptKeys().macKey());
    }

    @Test
    void aDeliveredAnswerVerifiesWithNothingButThePublishedKeys() throws Exception {
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 200, StandIns.completion("Costs fell by 4 percent.", false));
        String jwks = given().when().get("/.well-known/verity/receipt-keys").then().statusCode(200).extract().asString();

        JsonPath body = given().auth().oauth2(tokens().mint(user("mid"))).contentType(ContentType.JSON)
                .body("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .when().post("/v1/chat/completions").then().statusCode(200).extract().jsonPath();

        Map<String, Object> claims = ReceiptVerifier.fromJwks(jwks).verifyAnswer(body.getString("provenance.receipt"),
                new ReceivedAnswer(null, "small", "chatcmpl-abc", false, body.getString("choices[0].message.content"), null,
                        List.of(), null));
        assertThat(claims).containsEntry("model", "small");
    }
}
