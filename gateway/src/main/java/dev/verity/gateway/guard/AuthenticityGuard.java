package dev.verity.gateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.gateway.config.GuardConfig;
import dev.verity.gateway.routing.Reply;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.Route;
import dev.verity.gateway.routing.StreamEvent;
import dev.verity.runtime.rest.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The last check before an AI answer leaves Verity: it must carry provenance (a real model and
 * the provider's own response id) and must not contain the placeholder phrases the system exists
 * to abolish. A stopped answer becomes {@code authenticity_violation}; it should never happen,
 * so every occurrence is logged as an error and counted. A streamed answer is watched chunk by
 * chunk ({@link StreamWatch}) and stopped before a canned phrase is complete, or at its end when
 * no final chunk carried provenance.
 */
@ApplicationScoped
public class AuthenticityGuard {

    private final List<String> cannedPhrases;
    private final MeterRegistry registry;
    private final ObjectMapper json;

    public AuthenticityGuard(GuardConfig config, MeterRegistry registry, ObjectMapper json) {
        this.cannedPhrases = config.cannedPhrases().stream().map(p -> p.toLowerCase(Locale.ROOT)).toList();
        this.registry = registry;
        this.json = json;
    }

    public Reply inspect(Route route, RequestContext ctx, Reply reply) {
        if (!(reply instanceof Reply.Success success) || !carriesAiAnswer(route)) {
            return reply;
        }
        Optional<String> violation = violation(route, success.body());
        if (violation.isEmpty()) {
            return reply;
        }
        return new Reply.Failure(stopped(route, ctx, violation.get(), "answer withheld"));
    }

    /**
     * The events of a streamed answer as they may reach the caller. A violation fails the stream
     * with {@code authenticity_violation} (which cancels the upstream); any other failure still
     * lets out the real text held back before it.
     */
    public Multi<StreamEvent> watch(Route route, RequestContext ctx, Multi<StreamEvent> events) {
        if (!carriesAiAnswer(route)) {
            return events;
        }
        return Multi.createFrom().deferred(() -> {
            StreamWatch watch = new StreamWatch(cannedPhrases, json);
            AtomicBoolean stopped = new AtomicBoolean();
            return events
                    .onItem().transformToIterable(event -> {
                        try {
                            return watch.accept(event);
                        } catch (StreamWatch.Violation v) {
                            stopped.set(true);
                            throw new ProblemException(stopped(route, ctx, v.getMessage(), "stream stopped"));
                        }
                    })
                    .onFailure(e -> !stopped.get())
                    .recoverWithMulti(e -> Multi.createFrom().iterable(watch.heldText()).onCompletion().failWith(e));
        });
    }

    private Problem stopped(Route route, RequestContext ctx, String violation, String action) {
        counter(route).increment();
        Log.errorf("authenticity violation, request %s, route %s: %s; %s", ctx.requestId(), route.configName(), violation, action);
        return Problem.of(ErrorType.AUTHENTICITY_VIOLATION,
                "The answer could not be verified as real model output and was withheld. "
                        + "The incident is logged under this request id.",
                Services.GATEWAY, ctx.user(), ctx.requestId());
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
