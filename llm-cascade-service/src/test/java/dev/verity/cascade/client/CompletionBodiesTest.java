package dev.verity.cascade.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.AttemptOutcome;
import dev.verity.contract.ErrorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CompletionBodiesTest {

    private final CompletionBodies bodies = new CompletionBodies(new ObjectMapper());

    @Test
    void aCompletionKeepsTheProvidersOwnOutput() {
        ProviderReply reply = bodies.reply(200, """
                {"id":"cmpl-1","created":1700000000,"model":"gpt-x","system_fingerprint":"fp",
                 "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Paris"},
                             "logprobs":{"content":[{"token":"Paris","logprob":-0.25}]}}],
                 "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}""");

        assertThat(reply.id()).isEqualTo("cmpl-1");
        assertThat(reply.created()).isEqualTo(1700000000L);
        assertThat(reply.content()).isEqualTo("Paris");
        assertThat(reply.finishReason()).isEqualTo("stop");
        assertThat(reply.model()).isEqualTo("gpt-x");
        assertThat(reply.systemFingerprint()).isEqualTo("fp");
        assertThat(reply.usage().promptTokens()).isEqualTo(12);
        assertThat(reply.usage().completionTokens()).isEqualTo(3);
        assertThat(reply.tokenLogprobs()).containsExactly(-0.25);
        assertThat(reply.choices()).hasSize(1);
    }

    @Test
    void toolCallsOrARefusalAreAnswersWithoutContent() {
        ProviderReply tools = bodies.reply(200, """
                {"id":"c","choices":[{"message":{"content":null,"tool_calls":[{"id":"t1","type":"function",
                 "function":{"name":"f","arguments":"{}"}}]}}]}""");
        ProviderReply refusal = bodies.reply(200, """
                {"id":"c","choices":[{"message":{"content":null,"refusal":"I can't help with that."}}]}""");

        assertThat(tools.hasToolCalls()).isTrue();
        assertThat(refusal.refusal()).isEqualTo("I can't help with that.");
    }

    @Test
    void usageThatIsNotTwoNumbersIsUnknownNotZero() {
        ProviderReply reply = bodies.reply(200, """
                {"id":"c","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":"12","completion_tokens":3}}""");

        assertThat(reply.usage()).isNull();
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "not json at all | body is not JSON",
            "[1,2] | body is not a JSON object",
            "{\"id\":\"c\",\"choices\":[]} | no choices",
            "{\"choices\":[{\"message\":{\"content\":\"hi\"}}]} | no response id",
            "{\"id\":\"c\",\"choices\":[{\"text\":\"hi\"}]} | first choice has no message",
            "{\"id\":\"c\",\"choices\":[{\"message\":{\"content\":\"  \"}}]} | empty content",
    })
    void aSuccessStatusWithAnUnusableBodyIsAnInvalidResponse(String body, String why) {
        ProviderFault fault = catchThrowableOfType(ProviderFault.class, () -> bodies.reply(200, body));

        assertThat(fault.errorType()).isEqualTo(ErrorType.LLM_INVALID_RESPONSE);
        assertThat(fault.outcome()).isEqualTo(AttemptOutcome.INVALID_RESPONSE);
        assertThat(fault.upstreamStatus()).isEqualTo(200);
        assertThat(fault.getMessage()).endsWith(why);
    }

    @Test
    void aChunkWithAnIdAndChoicesIsKeptAsSent() {
        JsonNode chunk = bodies.chunk("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"Pa\"}}]}");

        assertThat(chunk.path("choices").get(0).path("delta").path("content").asText()).isEqualTo("Pa");
    }

    @Test
    void anErrorEventInsideAStreamIsAStreamErrorNotAChunk() {
        ProviderFault fault = catchThrowableOfType(ProviderFault.class,
                () -> bodies.chunk("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));

        assertThat(fault.errorType()).isEqualTo(ErrorType.LLM_UPSTREAM_ERROR);
        assertThat(fault.getMessage()).startsWith("error event in stream");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
            "{oops | stream chunk is not JSON",
            "{\"id\":\"c1\"} | stream chunk has no choices",
            "{\"id\":\" \",\"choices\":[]} | stream chunk has no id",
    })
    void aChunkThatIsNoChunkIsAnInvalidResponse(String data, String why) {
        assertThatThrownBy(() -> bodies.chunk(data))
                .isInstanceOfSatisfying(ProviderFault.class, fault -> {
                    assertThat(fault.outcome()).isEqualTo(AttemptOutcome.INVALID_RESPONSE);
                    assertThat(fault.getMessage()).endsWith(why);
                });
    }

    @Test
    void upstreamTextForTheLogIsBounded() {
        assertThat(CompletionBodies.abbreviate(null)).isEmpty();
        assertThat(CompletionBodies.abbreviate("short")).isEqualTo("short");
        assertThat(CompletionBodies.abbreviate("x".repeat(1000))).hasSize(301).endsWith("…");
    }
}
