package dev.verity.cascade.standin;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;

/** Responses in the OpenAI chat-completions protocol, as a provider would send them. */
public final class OpenAi {

    private OpenAi() {
    }

    public static String path(String model) {
        return "/" + model + "/v1/chat/completions";
    }

    public static void stub(WireMockServer server, String model, ResponseDefinitionBuilder response) {
        server.stubFor(post(urlPathEqualTo(path(model))).willReturn(response));
    }

    public static RequestPatternBuilder calls(String model) {
        return postRequestedFor(urlPathEqualTo(path(model)));
    }

    public static int count(WireMockServer server, String model) {
        return server.countRequestsMatching(calls(model).build()).getCount();
    }

    public static ResponseDefinitionBuilder answer(String id, String content, String finishReason, int promptTokens,
            int completionTokens) {
        String message = content == null ? "{\"role\":\"assistant\",\"content\":null}"
                : "{\"role\":\"assistant\",\"content\":" + quote(content) + "}";
        return completion(id, message, finishReason, promptTokens, completionTokens, "");
    }

    public static ResponseDefinitionBuilder completion(String id, String message, String finishReason, int promptTokens,
            int completionTokens, String extraChoiceFields) {
        String body = """
                {"id":"%s","object":"chat.completion","created":1764000000,"model":"upstream-model",
                 "system_fingerprint":"fp_test",
                 "choices":[{"index":0,"message":%s,"finish_reason":%s%s}],
                 "usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}
                """.formatted(id, message, finishReason == null ? "null" : quote(finishReason), extraChoiceFields,
                promptTokens, completionTokens, promptTokens + completionTokens);
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }

    public static ResponseDefinitionBuilder error(int status, String code) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"upstream says: internal detail http://10.0.0.7/secret\",\"type\":\"x\",\"code\":\""
                        + code + "\"}}");
    }

    public static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
