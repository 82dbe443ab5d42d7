package dev.verity.gateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.gateway.routing.Reply;
import dev.verity.gateway.routing.RequestContext;
import dev.verity.gateway.routing.Route;
import dev.verity.gateway.routing.StreamEvent;
import dev.verity.runtime.receipts.AnswerParts;
import dev.verity.runtime.rest.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

/**
 * The last check before an answer leaves Verity: it verifies, it does not guess. An AI answer
 * (agent run, completion) must carry provenance and a receipt that covers exactly the text, refusal
 * and tool calls about to be sent ({@link ReceiptCheck}); anything else is withheld as
 * {@code authenticity_violation}, logged as an error and counted
 * ({@code verity_authenticity_violations_total}). A data result is held to its receipt the same
 * way; one without a receipt is withheld too, and also counted in
 * {@code verity_guard_unsigned_data_total}. Socket events have their own check ({@link RunEventCheck}). The
 * phrase list only counts and logs ({@link SuspiciousPhrases}). A stream is watched chunk by chunk
 * ({@link StreamWatch}) and its final chunk is checked before it is sent.
 */
@ApplicationScoped
public class AuthenticityGuard {

    private final ReceiptCheck receipts;
    private final SuspiciousPhrases phrases;
    private final MeterRegistry registry;
    private final ObjectMapper json;

    public AuthenticityGuard(ReceiptCheck receipts, SuspiciousPhrases phrases, MeterRegistry registry, ObjectMapper json) {
        this.receipts = receipts;
        this.phrases = phrases;
        this.registry = registry;
        this.json = json;
    }

    public Reply inspect(Route route, RequestContext ctx, Reply reply) {
        if (!(reply instanceof Reply.Success success)) {
            return reply;
        }
        boolean[] unsigned = new boolean[1];
        Optional<String> violation = switch (route) {
            case CHAT -> answer(route, ctx, success.body().path("provenance"),
                    new AnswerParts(text(success.body().path("response")), null, List.of()));
            case COMPLETIONS -> completion(route, ctx, success.body());
            case METRICS, COST_ANALYSIS -> data(route, ctx, success.body(), unsigned);
            case USAGE -> Optional.empty();
        };
        if (violation.isEmpty() && route != Route.USAGE) {
            verdict(route, VERIFIED);
        }
        return violation.<Reply>map(v -> new Reply.Failure(stopped(route, ctx, v, "answer withheld"))).orElse(reply);
    }

    /**
     * The events of a streamed answer as they may reach the caller. A violation fails the stream
     * with {@code authenticity_violation} (which cancels the upstream) in place of the final chunk,
     * so no {@code [DONE]} follows an answer whose receipt did not verify.
     */
    public Multi<StreamEvent> watch(Route route, RequestContext ctx, Multi<StreamEvent> events) {
        if (route != Route.COMPLETIONS && route != Route.CHAT) {
            return events;
        }
        return Multi.createFrom().deferred(() -> {
            StreamWatch watch = new StreamWatch(receipts, json, text -> phrases.inspect(route, ctx, text));
            return events.onItem().transform(event -> {
                try {
                    StreamEvent passed = watch.accept(event);
                    // [DONE] passes only after the final chunk's receipt verified.
                    if (passed instanceof StreamEvent.Data data && "[DONE]".equals(data.payload())) {
                        verdict(route, VERIFIED);
                    }
                    return passed;
                } catch (StreamWatch.Violation v) {
                    throw new ProblemException(stopped(route, ctx, v.getMessage(), "stream stopped"));
                }
            });
        });
    }

    private Optional<String> completion(Route route, RequestContext ctx, ObjectNode body) {
        JsonNode choices = body.path("choices");
        if (choices.size() > 1) {
            return Optional.of("the answer has " + choices.size() + " choices; a receipt covers one");
        }
        AnswerParts parts = choices.isEmpty() ? new AnswerParts("", null, List.of())
                : AnswerParts.ofMessage(choices.get(0).path("message"));
        return answer(route, ctx, body.path("provenance"), parts);
    }

    private Optional<String> answer(Route route, RequestContext ctx, JsonNode provenance, AnswerParts parts) {
        Optional<String> violation = receipts.answer(provenance, parts);
        if (violation.isEmpty()) {
            phrases.inspect(route, ctx, parts.content());
        }
        return violation;
    }

    private Optional<String> data(Route route, RequestContext ctx, ObjectNode body, boolean[] unsigned) {
        Optional<String> violation = receipts.data(body, unsigned);
        if (unsigned[0]) {
            // Counted on its own as well: a signer that stopped signing shows here before anywhere else.
            Counter.builder("verity.guard.unsigned.data")
                    .description("Data results withheld because they carried no receipt")
                    .tag("route", route.configName())
                    .register(registry).increment();
            return Optional.of("data result without a receipt");
        }
        return violation;
    }

    private Problem stopped(Route route, RequestContext ctx, String violation, String action) {
        counter(route).increment();
        verdict(route, WITHHELD);
        Log.errorf("authenticity violation, request %s, route %s: %s; %s", ctx.requestId(), route.configName(), violation, action);
        String what = route == Route.METRICS || route == Route.COST_ANALYSIS
                ? "The result could not be verified as read from Verity's data and was withheld. "
                : "The answer could not be verified as real model output and was withheld. ";
        return Problem.of(ErrorType.AUTHENTICITY_VIOLATION, what + "The incident is logged under this request id.",
                Services.GATEWAY, ctx.user(), ctx.requestId());
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : "";
    }

    static final String VERIFIED = "verified";
    static final String WITHHELD = "withheld";

    /**
     * Every answer the guard judged, by verdict: {@code verified} (its receipt covers it) or
     * {@code withheld} (an authenticity violation, an unsigned data result included). The share of
     * {@code withheld} is the alert; the total says the guard is running.
     */
    private void verdict(Route route, String verdict) {
        Counter.builder("verity.guard.verdicts")
                .description("Answers judged by the authenticity guard, by verdict")
                .tag("route", route.configName())
                .tag("verdict", verdict)
                .register(registry).increment();
    }

    private Counter counter(Route route) {
        return violations(registry, route.configName());
    }

    /** One counter for every path an answer leaves by: HTTP routes by name, sockets as {@link RunEventCheck#ROUTE_TAG}. */
    static Counter violations(MeterRegistry registry, String route) {
        // Prometheus exposes this as verity_authenticity_violations_total.
        return Counter.builder("verity.authenticity.violations")
                .description("Answers withheld by the authenticity guard (no receipt, or one that does not cover them)")
                .tag("route", route)
                .register(registry);
    }
}
