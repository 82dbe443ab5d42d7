package dev.verity.agent.run;

import dev.verity.agent.config.AgentConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.Set;

/** The limits for a run request; checked before anything else happens. */
@ApplicationScoped
public class RunValidation {

    private static final Set<String> ROLES = Set.of("user", "assistant");

    private final AgentConfig.Limits limits;

    public RunValidation(AgentConfig config) {
        this.limits = config.limits();
    }

    /** Why the request is invalid, written for the caller; empty when it is valid. */
    public Optional<String> problemWith(RunRequest request) {
        if (request == null) {
            return Optional.of("A request body with a 'message' is required.");
        }
        Optional<String> message = text("message", request.message());
        if (message.isPresent()) {
            return message;
        }
        if (request.history() == null) {
            return Optional.empty();
        }
        if (request.history().size() > limits.historyTurns()) {
            return Optional.of("Field 'history' may hold at most " + limits.historyTurns() + " turns; it has "
                    + request.history().size() + ".");
        }
        for (int i = 0; i < request.history().size(); i++) {
            RunRequest.Turn turn = request.history().get(i);
            String field = "history[" + i + "]";
            if (turn == null) {
                return Optional.of("Field '" + field + "' must be an object with 'role' and 'content'.");
            }
            if (turn.role() == null || !ROLES.contains(turn.role())) {
                return Optional.of("Field '" + field + ".role' must be 'user' or 'assistant'.");
            }
            Optional<String> content = text(field + ".content", turn.content());
            if (content.isPresent()) {
                return content;
            }
        }
        return Optional.empty();
    }

    private Optional<String> text(String field, String value) {
        if (value == null || value.isBlank()) {
            return Optional.of("Field '" + field + "' is required and must not be empty.");
        }
        if (value.codePointCount(0, value.length()) > limits.messageChars()) {
            return Optional.of("Field '" + field + "' may hold at most " + limits.messageChars() + " characters.");
        }
        return Optional.empty();
    }
}
