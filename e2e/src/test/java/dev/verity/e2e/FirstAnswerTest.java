package dev.verity.e2e;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.verity.local.Endpoints;
import dev.verity.local.LocalModelServer;
import dev.verity.local.LocalStack;
import dev.verity.local.ServiceProcess;
import dev.verity.local.SystemStack;
import dev.verity.local.TestUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A newcomer's first run: nothing configured, an Ollama-like server on its usual port listing one
 * model. The launcher's model choice finds it and says so, and a completion through the gateway of
 * the stack it configures is answered by that server.
 */
class FirstAnswerTest {

    private static final String UPSTREAM_MODEL = "llama3.2:1b";

    @Test
    void withNothingConfiguredALocalServerOnTheOllamaPortAnswersTheFirstCompletion() throws Exception {
        assertThat(Endpoints.answers("localhost", 11434, 300))
                .as("port 11434 must be free for this test (stop the local Ollama first)").isFalse();
        WireMockServer ollama = new WireMockServer(options().port(11434));
        ollama.start();
        Path work = Files.createDirectories(ServiceProcess.repoRoot().resolve("e2e/target/first-answer"));
        SystemStack stack = null;
        try {
            ollama.stubFor(get(urlPathEqualTo("/v1/models")).willReturn(aResponse().withStatus(200)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"object\":\"list\",\"data\":[{\"id\":\"" + UPSTREAM_MODEL + "\",\"object\":\"model\",\"owned_by\":\"library\"}]}")));
            ollama.stubFor(post(urlPathEqualTo("/v1/chat/completions"))
                    .withRequestBody(matchingJsonPath("$.model", com.github.tomakehurst.wiremock.client.WireMock.equalTo(UPSTREAM_MODEL)))
                    .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                            .withBody(Completion.text("chatcmpl-local-1", UPSTREAM_MODEL,
                                    "Hello from the local model.", 12, 6).json())));

            LocalStack.ModelChoice choice = LocalStack.models(Map.of(), LocalModelServer.USUAL);

            assertThat(choice.report()).contains("found Ollama at http://localhost:11434/v1")
                    .contains("llama321b").contains("upstream model " + UPSTREAM_MODEL)
                    .contains("VERITY_MODELS_<NAME>_BASE_URL");
            assertThat(choice.environment()).containsEntry("VERITY_MODELS_LLAMA321B_BASE_URL", "http://localhost:11434/v1")
                    .containsEntry("VERITY_MODELS_LLAMA321B_UPSTREAM_MODEL", UPSTREAM_MODEL)
                    .containsEntry("VERITY_MODELS_LLAMA321B_TIER", "1");

            stack = SystemStack.builder(work, LocalStack.ISSUER).env(choice.environment())
                    .jvmArgs(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")).start();

            String gateway = stack.gateway();
            // The gateway routes a completion once it has seen the cascade ready with the model.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Http.get(gateway + "/api/v1/status", null)
                    .json().path("services").path("llm-cascade").path("status").asText().equals("ready"));
            String token = stack.tokens().mint(TestUser.of("newcomer", "org-first-answer", "free"));
            Http.Reply reply = Http.post(gateway + "/v1/chat/completions", token,
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"Say hello.\"}]}");

            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            assertThat(reply.json().path("choices").get(0).path("message").path("content").asText())
                    .isEqualTo("Hello from the local model.");
            assertThat(reply.header("x-verity-model")).isEqualTo("llama321b");
            ollama.verify(1, postRequestedFor(urlPathEqualTo("/v1/chat/completions"))
                    .withRequestBody(matchingJsonPath("$.model", com.github.tomakehurst.wiremock.client.WireMock.equalTo(UPSTREAM_MODEL))));
        } finally {
            if (stack != null) {
                stack.close();
            }
            ollama.stop();
        }
    }
}
