package dev.verity.gateway.guard;

import dev.verity.gateway.config.GuardConfig;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.Route;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The phrases of the placeholder answers Verity replaced, kept only as a detector: a verified
 * answer containing one is delivered (models really say "I apologize, but I encountered an
 * error…" after a failed tool call), counted in {@code verity_guard_suspicious_total} and logged,
 * so an operator sees a trend. What decides is the receipt ({@link AuthenticityGuard}).
 */
@ApplicationScoped
public class SuspiciousPhrases {

    private final List<String> phrases;
    private final MeterRegistry registry;

    public SuspiciousPhrases(GuardConfig config, MeterRegistry registry) {
        this.phrases = config.cannedPhrases().stream().map(p -> p.toLowerCase(Locale.ROOT)).toList();
        this.registry = registry;
    }

    /** Counts and logs the first phrase found in the text; never changes what is sent. */
    public void inspect(Route route, RequestContext ctx, String text) {
        find(text).ifPresent(phrase -> {
            Counter.builder("verity.guard.suspicious")
                    .description("Verified answers that contain a phrase of the placeholder answers (delivered)")
                    .tag("route", route.configName())
                    .register(registry).increment();
            Log.warnf("request %s, route %s: a verified answer contains the phrase \"%s\"; delivered (receipt verified)",
                    ctx.requestId(), route.configName(), phrase);
        });
    }

    Optional<String> find(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        String lower = text.toLowerCase(Locale.ROOT);
        return phrases.stream().filter(lower::contains).findFirst();
    }
}
