package dev.verity.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.errors.InternalServerException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.verity.contract.Services;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK as an unchanged client of the gateway. */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class OpenAiCompatibilityTest extends GatewayTestSupport {

    private static final ChatCompletionCreateParams PARAMS = ChatCompletionCreateParams.builder()
            .model("auto").addUserMessage("Say hello.").build();

    @TestHTTPResource("/v1")
    URI base;

    private OpenAIClient client(String apiKey) {
        // No SDK retries: each test sees exactly the gateway's first answer.
        return OpenAIOkHttpClient.builder().apiKey(apiKey).baseUrl(base.toString()).maxRetries(0).build();
    }

    @Test
    void aCompletionArrivesInOpenAiShapeWithVerityHeaders() {
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 200, StandIns.completion("Hello from small.", true));

        HttpResponseFor<ChatCompletion> raw = client(tokens().mint(user("mid"))).chat().completions().withRawResponse()
                .create(PARAMS);

        ChatCompletion completion = raw.parse();
        assertThat(completion.choices().get(0).message().content()).hasValue("Hello from small.");
        assertThat(completion.id()).isEqualTo("chatcmpl-abc");
        assertThat(completion._additionalProperties()).containsKey("provenance");
        assertThat(raw.headers().values("x-verity-model")).containsExactly("small");
        assertThat(raw.headers().values("x-verity-degraded")).containsExactly("true");
        assertThat(raw.headers().values("x-verity-request-id")).hasSize(1);
        standIns.wireMock().verifyThat(1, postRequestedFor(urlEqualTo("/cascade/v1/chat/completions")));
    }

    @Test
    void aCascadeFailureIsTheSdksTypedServerErrorWithStatusCodeAndRetryAfter() {
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 503,
                StandIns.problem("llm_unavailable", 503, "llm-cascade", true));

        assertThatThrownBy(() -> client(tokens().mint(user("free"))).chat().completions().create(PARAMS))
                .isInstanceOfSatisfying(InternalServerException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(503);
                    assertThat(e.code()).hasValue("llm_unavailable");
                    assertThat(e.type()).hasValue("server_error");
                    assertThat(e.headers().values("Retry-After")).containsExactly("17");
                });
    }

    @Test
    void aBadKeyIsTheSdksUnauthorizedException() {
        assertThatThrownBy(() -> client("not-a-token").chat().completions().create(PARAMS))
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(401);
                    assertThat(e.code()).hasValue("unauthenticated");
                });
        standIns.wireMock().verifyThat(0, postRequestedFor(urlEqualTo("/cascade/v1/chat/completions")));
    }

    @Test
    void theGatewaysOwnRateLimitIsTheSdksRateLimitException() {
        standIns.answer(Services.LLM_CASCADE, "/v1/chat/completions", 200, StandIns.completion("Hi.", false));
        TestUser early = user("early");
        OpenAIClient client = client(tokens().mint(early));
        client.chat().completions().create(PARAMS);
        client.chat().completions().create(PARAMS);

        assertThatThrownBy(() -> client.chat().completions().create(PARAMS))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.code()).hasValue("rate_limited");
                    assertThat(e.headers().values("Retry-After")).hasSize(1);
                });
    }

    @Test
    void anOversizedBodyIsRefusedInOpenAiShapeToo() {
        String huge = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}]}";
        io.restassured.RestAssured.given().auth().oauth2(tokens().mint(user("mid")))
                .contentType(io.restassured.http.ContentType.JSON).body(huge)
                .when().post("/v1/chat/completions")
                .then().statusCode(413)
                .contentType("application/json")
                .body("error.code", org.hamcrest.Matchers.equalTo("payload_too_large"))
                .body("error.type", org.hamcrest.Matchers.equalTo("invalid_request_error"));
        standIns.wireMock().verifyThat(0, postRequestedFor(urlEqualTo("/cascade/v1/chat/completions")));
    }
}
