package dev.verity.gateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.gateway.config.GuardConfig;
import dev.verity.gateway.routing.Reply;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.Route;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The last check before an AI answer leaves Verity: it must carry provenance (a real model and
 * the provider's own response id) and must not contain the placeholder phrases the system exists
 * to abolish. A stopped answer becomes {@code authenticity_violation}; it should never happen,
 * so every occurrence is logged as an error and counted.
 */
@ApplicationScoped
public class AuthenticityGuard {

    private final List<String> cannedPhrases;
    private final MeterRegistry registry;

    public AuthenticityGuard(GuardConfig config, MeterRegistry registry) {
        this.cannedPhrases = config.cannedPhrases().stream().map(p -> p.toLowerCase(Locale.ROOT)).toList();
        this.registry = registry;
    }

    public Reply inspect(Route route, RequestContext ctx, Reply reply) {
        if (!(reply instanceof Reply.Success success) || !carriesAiAnswer(route)) {
            return reply;
        }
        Optional<String> violation = violation(route, success.body());
        if (violation.isEmpty()) {
            return reply;
        }
        counter(route).increment();
        Log.errorf("authenticity violation, request %s, route %s: %s; answer withheld", ctx.requestId(), route.configName(),
                violation.get());
        return new Reply.Failure(Problem.of(ErrorType.AUTHENTICITY_VIOLATION,
                "The answer could not be verified as real model output and was withheld. "
                        + "The incident is logged under this request id.",
                Services.GATEWAY, ctx.user(), ctx.requestId()));
    }

    private static boolean carriesAiAnswer(Route route) {
        return route == Route.CHAT || route == Route.COMPLETIONS;
    }

    private Optional<String> violation(Route route, ObjectNode body) {
        JsonNode provenance = body.path("provenance");
        if (!hasText(provenance.path("model")) || !hasText(provenance.path("provider_request_id"))) {
            return Optional.of("no provenance (model and provider_request_id required)");
        }
        for (String text : answerTexts(route, body)) {
            String lower = text.toLowerCase(Locale.ROOT);
            for (String phrase : cannedPhrases) {
                if (lower.contains(phrase)) {
                    return Optional.of("canned phrase \"" + phrase + "\" in the answer");
                }
            }
        }
        return Optional.empty();
    }

    private static List<String> answerTexts(Route route, ObjectNode body) {
        List<String> texts = new ArrayList<>();
        if (route == Route.CHAT) {
            texts.add(body.path("response").asText(""));
        } else {
            for (JsonNode choice : body.path("choices")) {
                texts.add(choice.path("message").path("content").asText(""));
            }
        }
        return texts;
    }

    private static boolean hasText(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank();
    }

    private Counter counter(Route route) {
        // Prometheus exposes this as verity_authenticity_violations_total.
        return Counter.builder("verity.authenticity.violations")
                .description("Answers stopped by the authenticity guard")
                .tag("route", route.configName())
                .register(registry);
    }
}
