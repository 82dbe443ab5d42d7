package dev.verity.e2e;

import java.util.ArrayList;
import java.util.List;

/**
 * One provider completion, written either as a chat.completion body or as the chunks a streaming
 * provider sends for it (text in a few word-sized deltas, tool-call arguments in two fragments,
 * the usage chunk, then [DONE]). Text and arguments are JSON-escaped by the caller.
 */
record Completion(String id, String model, String content, String toolCallJson, String finishReason,
                  int promptTokens, int completionTokens) {

    static Completion text(String id, String model, String text, int promptTokens, int completionTokens) {
        return new Completion(id, model, text, null, "stop", promptTokens, completionTokens);
    }

    /** An answer the provider cut off at its token limit: {@code finish_reason: length}. */
    static Completion truncated(String id, String model, String text, int promptTokens, int completionTokens) {
        return new Completion(id, model, text, null, "length", promptTokens, completionTokens);
    }

    static Completion toolCall(String id, String model, String callId, String tool, String arguments,
                               int promptTokens, int completionTokens) {
        return new Completion(id, model, null, "%s|%s|%s".formatted(callId, tool, arguments), "tool_calls",
                promptTokens, completionTokens);
    }

    String json() {
        String message = content != null
                ? "{\"role\":\"assistant\",\"content\":\"%s\"}".formatted(content)
                : "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"%s\",\"type\":\"function\",\"function\":{\"name\":\"%s\",\"arguments\":\"%s\"}}]}"
                        .formatted(call()[0], call()[1], call()[2]);
        return """
                {"id":"%s","object":"chat.completion","created":1764000000,"model":"%s",
                 "choices":[{"index":0,"message":%s,"finish_reason":"%s"}],
                 "usage":%s}""".formatted(id, model, message, finishReason, usage());
    }

    String events() {
        List<String> deltas = new ArrayList<>();
        if (content != null) {
            boolean first = true;
            for (String piece : pieces(content)) {
                deltas.add((first ? "{\"role\":\"assistant\",\"content\":\"%s\"}" : "{\"content\":\"%s\"}").formatted(piece));
                first = false;
            }
        } else {
            String[] call = call();
            int half = safeSplit(call[2]);
            deltas.add("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"%s\",\"type\":\"function\",\"function\":{\"name\":\"%s\",\"arguments\":\"%s\"}}]}"
                    .formatted(call[0], call[1], call[2].substring(0, half)));
            deltas.add("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"%s\"}}]}".formatted(call[2].substring(half)));
        }
        StringBuilder body = new StringBuilder();
        for (String delta : deltas) {
            body.append(chunk("[{\"index\":0,\"delta\":%s,\"finish_reason\":null}]".formatted(delta), null));
        }
        body.append(chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"%s\"}]".formatted(finishReason), null));
        body.append(chunk("[]", usage()));
        return body.append("data: [DONE]\n\n").toString();
    }

    private String chunk(String choices, String usage) {
        return "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"%s\",\"choices\":%s%s}\n\n"
                .formatted(id, model, choices, usage == null ? "" : ",\"usage\":" + usage);
    }

    private String usage() {
        return "{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}"
                .formatted(promptTokens, completionTokens, promptTokens + completionTokens);
    }

    private String[] call() {
        return toolCallJson.split("\\|", 3);
    }

    /** Word-sized pieces that keep every character, so the deltas concatenate to the text. */
    private static List<String> pieces(String text) {
        List<String> pieces = new ArrayList<>();
        int start = 0;
        for (int i = 1; i < text.length(); i++) {
            if (text.charAt(i) == ' ' && text.charAt(i - 1) != '\\') {
                pieces.add(text.substring(start, i));
                start = i;
            }
        }
        pieces.add(text.substring(start));
        return pieces;
    }

    /** The middle of an escaped string, moved off an escape sequence so both halves stay valid JSON. */
    private static int safeSplit(String escaped) {
        int half = escaped.length() / 2;
        while (half > 0 && escaped.charAt(half - 1) == '\\') {
            half--;
        }
        return half;
    }
}
