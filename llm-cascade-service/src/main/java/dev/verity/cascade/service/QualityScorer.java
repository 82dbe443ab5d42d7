package dev.verity.cascade.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.cascade.client.ProviderReply;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Scores an answer from signals the provider really sent, nothing guessed from the text's meaning:
 * the finish reason (truncation, content filter), an explicit refusal, tool calls that cannot be
 * executed (no name, arguments that are no JSON object, or a {@code tool_calls} finish without any),
 * an answer with nothing in it, and the mean token log-probability when the provider returned
 * log-probabilities. 1.0 means no sign of trouble. Plain and streamed answers are scored by this one
 * rule: a streamed answer is assembled into the same {@link ProviderReply} first
 * ({@link StreamedAnswer}).
 */
public final class QualityScorer {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Score and the signal that set it, for {@code selection_reasoning}. */
    public record Score(double value, String signal) {
    }

    private QualityScorer() {
    }

    public static Score score(ProviderReply reply) {
        double score;
        String signal;
        Optional<String> unusableToolCall = unusableToolCall(reply);
        boolean empty = (reply.content() == null || reply.content().isBlank()) && !reply.hasToolCalls()
                && (reply.refusal() == null || reply.refusal().isBlank());
        if (reply.refusal() != null && !reply.refusal().isBlank()) {
            score = 0.1;
            signal = "refusal";
        } else if (empty) {
            score = 0.0;
            signal = "empty answer";
        } else if (unusableToolCall.isPresent()) {
            score = 0.2;
            signal = unusableToolCall.get();
        } else if (reply.finishReason() == null) {
            score = 0.9;
            signal = "no finish_reason";
        } else {
            switch (reply.finishReason()) {
                case "tool_calls", "function_call" -> {
                    score = reply.hasToolCalls() ? 1.0 : 0.2;
                    signal = "finish_reason=" + reply.finishReason() + (reply.hasToolCalls() ? "" : " without tool calls");
                }
                case "stop" -> {
                    score = 1.0;
                    signal = "finish_reason=stop";
                }
                case "length" -> {
                    score = 0.3;
                    signal = "finish_reason=length (truncated)";
                }
                case "content_filter" -> {
                    score = 0.1;
                    signal = "finish_reason=content_filter";
                }
                default -> {
                    score = 0.8;
                    signal = "finish_reason=" + reply.finishReason();
                }
            }
        }
        List<Double> logprobs = reply.tokenLogprobs();
        if (logprobs != null && !logprobs.isEmpty()) {
            double mean = logprobs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            // exp(mean logprob) is the geometric-mean token probability: 1.0 = fully confident.
            score = score * (0.5 + 0.5 * Math.exp(mean));
            signal = signal + String.format(Locale.ROOT, ", mean token logprob %.2f", mean);
        }
        return new Score(Math.round(score * 1000) / 1000.0, signal);
    }

    /** The first tool call of the first choice that no tool could run, said as the signal. */
    private static Optional<String> unusableToolCall(ProviderReply reply) {
        if (reply.choices() == null || reply.choices().isEmpty()) {
            return Optional.empty();
        }
        for (JsonNode call : reply.choices().getFirst().path("message").path("tool_calls")) {
            JsonNode function = call.path("function");
            if (!function.path("name").isTextual() || function.path("name").asText().isBlank()) {
                return Optional.of("tool call without a function name");
            }
            if (!isJsonObject(function.path("arguments"))) {
                return Optional.of("tool call " + function.path("name").asText() + " with arguments that are no JSON object");
            }
        }
        return Optional.empty();
    }

    private static boolean isJsonObject(JsonNode arguments) {
        if (arguments.isObject()) {
            return true;
        }
        if (!arguments.isTextual()) {
            return false;
        }
        String text = arguments.asText();
        if (text.isBlank()) {
            return true; // a function without parameters is called with no arguments
        }
        try {
            JsonNode parsed = JSON.readTree(text);
            return parsed != null && parsed.isObject();
        } catch (Exception e) {
            return false;
        }
    }
}
