package dev.verity.contract.receipt;

import java.util.List;

/**
 * A model answer as the client received it, the parts a receipt covers.
 *
 * @param requestId the request id it was answered under ({@code x-verity-request-id}, {@code request_id});
 *                  null to leave that claim unchecked
 * @param content the answer text ({@code message.content}, or every streamed {@code delta.content}
 *                joined; empty when there is none)
 * @param refusal the refusal text, null when there is none
 * @param toolCalls the tool calls, empty when there are none
 * @param attempts {@code provenance.attempts} as parsed ({@link Json#parse}); null to skip that check
 */
public record ReceivedAnswer(String requestId, String model, String providerRequestId, boolean degraded,
                             String content, String refusal, List<Digests.ToolCallText> toolCalls, Object attempts) {

    public ReceivedAnswer {
        content = content == null ? "" : content;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }
}
