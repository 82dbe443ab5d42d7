package dev.verity.cascade.service;

import dev.verity.cascade.client.ProviderReply;
import java.util.List;
import java.util.Locale;

/**
 * Scores an answer from signals the provider really sent, nothing guessed from the text's meaning:
 * the finish reason (truncation, content filter), an explicit refusal, and the mean token
 * log-probability when the provider returned log-probabilities. 1.0 means no sign of trouble.
 */
public final class QualityScorer {

    /** Score and the signal that set it, for {@code selection_reasoning}. */
    public record Score(double value, String signal) {
    }

    private QualityScorer() {
    }

    public static Score score(ProviderReply reply) {
        double score;
        String signal;
        if (reply.refusal() != null && !reply.refusal().isBlank()) {
            score = 0.1;
            signal = "refusal";
        } else if (reply.finishReason() == null) {
            score = 0.9;
            signal = "no finish_reason";
        } else {
            switch (reply.finishReason()) {
                case "stop", "tool_calls", "function_call" -> {
                    score = 1.0;
                    signal = "finish_reason=" + reply.finishReason();
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
}
