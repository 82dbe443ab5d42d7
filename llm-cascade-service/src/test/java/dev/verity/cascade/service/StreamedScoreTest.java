package dev.verity.cascade.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.cascade.client.ProviderReply;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Example;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A streamed answer is scored by the same rule as a plain one: assembled from its chunks, however
 * the provider cut them, it gets the score its whole form gets; and the signals the issue names
 * (truncation, refusal, tool calls no tool can run, an empty answer) are really read from a stream.
 */
class StreamedScoreTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> FINISH = List.of("stop", "length", "content_filter", "tool_calls", "other");

    /** One answer in its whole form: text, optional tool call arguments, finish reason, logprobs. */
    record Answer(String content, String toolName, String arguments, String finishReason, List<Double> logprobs) {
    }

    @Provide
    Arbitrary<Answer> answers() {
        Arbitrary<String> text = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(60);
        Arbitrary<String> name = Arbitraries.of("", "query_metrics", "cost_analysis");
        Arbitrary<String> arguments = Arbitraries.of("", "{}", "{\"metric\":\"latency\"}", "{\"metric\":", "[1,2]", "42");
        Arbitrary<String> finish = Arbitraries.of(FINISH);
        Arbitrary<List<Double>> logprobs = Arbitraries.doubles().between(-8, 0).list().ofMaxSize(6);
        Arbitrary<Boolean> withTool = Arbitraries.of(true, false);
        return Combinators.combine(text, name, arguments, finish, logprobs, withTool)
                .as((t, n, a, f, l, tool) -> new Answer(t, tool ? n : null, tool ? a : null, f, l));
    }

    @Property(tries = 400)
    void aStreamedAnswerScoresAsItsPlainFormWhateverItsChunking(@ForAll("answers") Answer answer,
            @ForAll("cuts") List<Integer> cuts) {
        QualityScorer.Score plain = QualityScorer.score(plainReply(answer));

        StreamedAnswer streamed = new StreamedAnswer();
        chunks(answer, cuts).forEach(streamed::add);
        QualityScorer.Score fromStream = QualityScorer.score(streamed.reply());

        assertThat(fromStream).isEqualTo(plain);
        assertThat(fromStream.value()).isBetween(0.0, 1.0);
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(1, 7).list().ofMinSize(1).ofMaxSize(8);
    }

    @Example
    void aTruncatedStreamScoresLow() {
        StreamedAnswer streamed = new StreamedAnswer();
        chunks(new Answer("Lyon has about", null, null, "length", List.of()), List.of(4)).forEach(streamed::add);

        QualityScorer.Score score = QualityScorer.score(streamed.reply());

        assertThat(score.value()).isEqualTo(0.3);
        assertThat(score.signal()).isEqualTo("finish_reason=length (truncated)");
    }

    @Example
    void aStreamedRefusalScoresLow() throws Exception {
        StreamedAnswer streamed = new StreamedAnswer();
        streamed.add(JSON.readTree("""
                {"id":"c1","choices":[{"index":0,"delta":{"refusal":"I can't help "}}]}"""));
        streamed.add(JSON.readTree("""
                {"id":"c1","choices":[{"index":0,"delta":{"refusal":"with that."},"finish_reason":"stop"}]}"""));

        assertThat(QualityScorer.score(streamed.reply())).isEqualTo(new QualityScorer.Score(0.1, "refusal"));
    }

    @Example
    void aStreamedToolCallWithBrokenArgumentsScoresLow() throws Exception {
        StreamedAnswer streamed = new StreamedAnswer();
        streamed.add(JSON.readTree("""
                {"id":"c2","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1",
                 "function":{"name":"query_metrics","arguments":"{\\"metric\\":"}}]}}]}"""));
        streamed.add(JSON.readTree("""
                {"id":"c2","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"""));

        QualityScorer.Score score = QualityScorer.score(streamed.reply());

        assertThat(score.value()).isEqualTo(0.2);
        assertThat(score.signal()).contains("query_metrics").contains("no JSON object");
    }

    @Example
    void aToolCallsFinishWithoutAnyToolCallScoresLow() throws Exception {
        StreamedAnswer streamed = new StreamedAnswer();
        streamed.add(JSON.readTree("""
                {"id":"c3","choices":[{"index":0,"delta":{"content":"Let me look."},"finish_reason":"tool_calls"}]}"""));

        assertThat(QualityScorer.score(streamed.reply()))
                .isEqualTo(new QualityScorer.Score(0.2, "finish_reason=tool_calls without tool calls"));
    }

    @Example
    void anEmptyStreamedAnswerScoresZero() throws Exception {
        StreamedAnswer streamed = new StreamedAnswer();
        streamed.add(JSON.readTree("""
                {"id":"c4","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}"""));

        assertThat(QualityScorer.score(streamed.reply())).isEqualTo(new QualityScorer.Score(0.0, "empty answer"));
    }

    @Example
    void aWholeAnswerWithUsableToolCallsScoresFull() {
        QualityScorer.Score score = QualityScorer.score(plainReply(
                new Answer("", "query_metrics", "{\"metric\":\"latency\"}", "tool_calls", List.of())));

        assertThat(score).isEqualTo(new QualityScorer.Score(1.0, "finish_reason=tool_calls"));
    }

    // --- the two forms of one answer ------------------------------------------------------------

    static ProviderReply plainReply(Answer answer) {
        ObjectNode choice = JSON.createObjectNode().put("index", 0).put("finish_reason", answer.finishReason());
        ObjectNode message = choice.putObject("message").put("role", "assistant").put("content", answer.content());
        if (answer.toolName() != null) {
            ArrayNode calls = message.putArray("tool_calls");
            ObjectNode call = calls.addObject().put("id", "call_1").put("type", "function");
            ObjectNode function = call.putObject("function").put("arguments", answer.arguments());
            if (!answer.toolName().isEmpty()) {
                function.put("name", answer.toolName());
            }
        }
        String content = answer.content().isEmpty() ? null : answer.content();
        return new ProviderReply("chatcmpl-1", 1L, List.of(choice), null, null, null, answer.finishReason(), content,
                answer.toolName() != null, null, answer.logprobs().isEmpty() ? null : answer.logprobs(), null);
    }

    /** The answer as a provider streams it: text and arguments cut at the given lengths, logprobs per chunk. */
    static List<JsonNode> chunks(Answer answer, List<Integer> cuts) {
        List<JsonNode> chunks = new ArrayList<>();
        List<String> text = cut(answer.content(), cuts);
        for (int i = 0; i < text.size(); i++) {
            ObjectNode chunk = chunk();
            ObjectNode choice = (ObjectNode) chunk.withArray("choices").get(0);
            ((ObjectNode) choice.get("delta")).put("content", text.get(i));
            if (i < answer.logprobs().size()) {
                choice.putObject("logprobs").putArray("content").addObject().put("token", "t")
                        .put("logprob", answer.logprobs().get(i));
            }
            chunks.add(chunk);
        }
        for (int i = text.size(); i < answer.logprobs().size(); i++) {
            ObjectNode chunk = chunk();
            ((ObjectNode) chunk.withArray("choices").get(0)).putObject("logprobs").putArray("content").addObject()
                    .put("token", "t").put("logprob", answer.logprobs().get(i));
            chunks.add(chunk);
        }
        if (answer.toolName() != null) {
            List<String> pieces = cut(answer.arguments(), cuts);
            if (pieces.isEmpty()) {
                pieces = List.of("");
            }
            for (int i = 0; i < pieces.size(); i++) {
                ObjectNode chunk = chunk();
                ObjectNode fragment = ((ObjectNode) chunk.withArray("choices").get(0).get("delta"))
                        .putArray("tool_calls").addObject().put("index", 0);
                ObjectNode function = fragment.putObject("function").put("arguments", pieces.get(i));
                if (i == 0) {
                    fragment.put("id", "call_1").put("type", "function");
                    if (!answer.toolName().isEmpty()) {
                        function.put("name", answer.toolName());
                    }
                }
                chunks.add(chunk);
            }
        }
        ObjectNode last = chunk();
        ((ObjectNode) last.withArray("choices").get(0)).put("finish_reason", answer.finishReason());
        chunks.add(last);
        return chunks;
    }

    static ObjectNode chunk() {
        ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-1").put("created", 1);
        chunk.putArray("choices").addObject().put("index", 0).putObject("delta");
        return chunk;
    }

    static List<String> cut(String value, List<Integer> cuts) {
        List<String> pieces = new ArrayList<>();
        int at = 0;
        int i = 0;
        while (at < value.length()) {
            int length = cuts.get(i++ % cuts.size());
            pieces.add(value.substring(at, Math.min(value.length(), at + length)));
            at += length;
        }
        return pieces;
    }
}
