package dev.verity.agent.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.agent.config.AgentConfig;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.ErrorType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.Services;
import dev.verity.contract.SseDecoder;
import dev.verity.contract.UserContext;
import dev.verity.runtime.genai.GenAiMetrics;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Every call to the llm-cascade, with its whole policy: model turns are streamed
 * ({@code "stream": true}) so the user watches the real answer form; the run's deadline bounds the
 * whole turn; the caller's token, request id and deadline are forwarded; one bounded retry of a
 * retryable problem that came before any chunk, when its {@code retry_after_seconds} fits; and
 * nothing accepted as an answer without provenance or without the stream's {@code [DONE]}.
 */
@ApplicationScoped
public class CascadeClient {

    /** A retry is pointless when, after waiting, less than this is left for the model to answer. */
    private static final Duration MIN_TIME_FOR_RETRY = Duration.ofMillis(500);
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(2);

    private final CascadeApi api;
    private final CascadeHttp http;
    private final Bodies bodies;
    private final CompletionReader reader;
    private final AgentConfig.CascadeRetry retry;
    private final GenAiMetrics genAi;

    CascadeClient(@RestClient CascadeApi api, CascadeHttp http, Bodies bodies, CompletionReader reader, AgentConfig config,
            GenAiMetrics genAi) {
        this.genAi = genAi;
        this.api = api;
        this.http = http;
        this.bodies = bodies;
        this.reader = reader;
        this.retry = config.cascadeRetry();
    }

    /**
     * One model turn, streamed: {@code progress} receives the answer's text as it arrives, and the
     * news when the cascade replaces an attempt's text with the next tier's answer. Fails with
     * {@link DeadlineExceeded} when the deadline arrives first; every other failure is a
     * {@link CascadeReply.Failed} with the problem the user will see. Cancelling the returned
     * {@code Uni} closes the connection, which ends the cascade's work on it.
     */
    public Uni<CascadeReply> complete(ObjectNode request, CallContext call, UserContext user, Consumer<TurnProgress> progress) {
        long started = System.nanoTime();
        ObjectNode streamed = request.deepCopy().put("stream", true);
        // Asked for, so the provenance of the last chunk carries the provider's real token counts.
        streamed.putObject("stream_options").put("include_usage", true);
        return attempt(streamed, call, user, progress).chain(attempt -> {
            if (attempt.reply() instanceof CascadeReply.Failed failed && !attempt.streamed()) {
                Optional<Duration> wait = retryWait(failed.problem(), call);
                if (wait.isPresent()) {
                    Log.infof("request %s: cascade answered %s, retrying once after %s", call.requestId(),
                            failed.problem().errorType().wire(), wait.get());
                    return Uni.createFrom().voidItem().onItem().delayIt().by(wait.get())
                            .chain(() -> attempt(streamed, call, user, progress));
                }
            }
            return Uni.createFrom().item(attempt);
        }).map(Attempt::reply).invoke(reply -> record(request, reply, Duration.ofNanos(System.nanoTime() - started)));
    }

    /** A model turn in the GenAI client histograms: the cascade (provider {@code verity}) as this service saw it. */
    private void record(ObjectNode request, CascadeReply reply, Duration duration) {
        String requested = request.path("model").isTextual() ? request.path("model").asText() : null;
        switch (reply) {
            case CascadeReply.Answered answered -> {
                var provenance = answered.turn().provenance();
                var usage = provenance == null ? null : provenance.usage();
                genAi.record(PROVIDER, requested, provenance == null ? null : provenance.model(),
                        usage == null ? null : usage.promptTokens(), usage == null ? null : usage.completionTokens(),
                        duration, null);
            }
            case CascadeReply.Failed failed -> genAi.record(PROVIDER, requested, null, null, null, duration,
                    failed.problem().errorType().wire());
        }
    }

    /** How this service names the cascade in GenAI metrics. */
    static final String PROVIDER = "verity";

    /** The cascade's own capability status, as a component of this service's status. */
    public Uni<ComponentStatus> status() {
        return api.status()
                .ifNoItem().after(STATUS_TIMEOUT).fail()
                .onFailure(WebApplicationException.class).recoverWithItem(e -> ((WebApplicationException) e).getResponse())
                .map(bodies::component)
                .onFailure().recoverWithItem(e -> new ComponentStatus("unavailable", "not reachable"));
    }

    private Optional<Duration> retryWait(Problem problem, CallContext call) {
        if (!retry.enabled() || !problem.retryable()) {
            return Optional.empty();
        }
        Duration wait = Duration.ofSeconds(problem.retryAfterSeconds() == null ? 0 : problem.retryAfterSeconds());
        if (wait.compareTo(retry.maxWait()) > 0 || call.remaining().minus(wait).compareTo(MIN_TIME_FOR_RETRY) < 0) {
            return Optional.empty();
        }
        return Optional.of(wait);
    }

    /** One exchange's reply; {@code streamed} once the answer began, after which it is never retried. */
    private record Attempt(CascadeReply reply, boolean streamed) {
    }

    private Uni<Attempt> attempt(ObjectNode request, CallContext call, UserContext user, Consumer<TurnProgress> progress) {
        Duration remaining = call.remaining();
        if (!remaining.isPositive()) {
            return Uni.createFrom().failure(new DeadlineExceeded(Services.LLM_CASCADE));
        }
        return http.post(request, call)
                .chain(exchange -> {
                    if (exchange.status() / 100 != 2) {
                        return exchange.text().map(text -> new Attempt(refusal(exchange, text, call, user), false));
                    }
                    if (!exchange.isEventStream()) {
                        // The streaming contract answers stream:true with text/event-stream and nothing else.
                        Log.warnf("request %s: llm-cascade answered a streaming request with %s", call.requestId(),
                                exchange.header("Content-Type"));
                        exchange.abandon();
                        return Uni.createFrom().item(new Attempt(CompletionReader.invalid(
                                "The model service answered in a form this service cannot read.", call, user), false));
                    }
                    return stream(exchange, call, user, progress).map(reply -> new Attempt(reply, true));
                })
                .ifNoItem().after(remaining).failWith(() -> new DeadlineExceeded(Services.LLM_CASCADE))
                .onFailure(e -> !(e instanceof DeadlineExceeded)).recoverWithItem(e -> {
                    // Failures while streaming are read inside stream(); what arrives here came before any answer.
                    Log.warnf("request %s: llm-cascade not reachable: %s", call.requestId(), e.toString());
                    return new Attempt(unreachable(call, user), false);
                });
    }

    /**
     * Reads the event stream until the turn ends: {@code [DONE]}, the cascade's error event, an
     * unreadable chunk, the body ending early or the connection breaking. Whatever ends it, the
     * exchange is closed unless it ended cleanly, so nothing keeps streaming for nobody.
     */
    private Uni<CascadeReply> stream(CascadeHttp.Exchange exchange, CallContext call, UserContext user,
                                     Consumer<TurnProgress> progress) {
        StreamedTurn turn = new StreamedTurn(bodies, reader, call, user, exchange.header(Headers.VERITY_MODEL));
        SseDecoder decoder = new SseDecoder();
        return exchange.body()
                .onItem().transformToIterable(buffer -> turn.readAll(decoder.feed(buffer.getBytes())))
                .onItem().invoke(step -> {
                    switch (step) {
                        case StreamedTurn.Step.Text text -> progress.accept(text.delta());
                        case StreamedTurn.Step.Replaced replaced -> progress.accept(replaced.superseded());
                        case StreamedTurn.Step.Quiet quiet -> { }
                        case StreamedTurn.Step.End end -> { }
                    }
                })
                // Only reached when no event ended the turn: the first End is taken and the rest cancelled.
                .onCompletion().continueWith(() -> List.of(new StreamedTurn.Step.End(turn.endedWithoutDone())))
                .onFailure().recoverWithItem(e -> new StreamedTurn.Step.End(turn.cut(e)))
                .filter(step -> step instanceof StreamedTurn.Step.End)
                .toUni()
                .map(step -> ((StreamedTurn.Step.End) step).reply())
                .onCancellation().invoke(() -> {
                    if (!turn.ended()) {
                        turn.abandon();
                        exchange.abandon();
                    }
                })
                .onItem().invoke(reply -> {
                    if (reply instanceof CascadeReply.Failed) {
                        exchange.abandon();
                    }
                });
    }

    private CascadeReply refusal(CascadeHttp.Exchange exchange, String text, CallContext call, UserContext user) {
        Optional<Problem> problem = bodies.tree(text).flatMap(bodies::problem);
        if (problem.isPresent()) {
            return new CascadeReply.Failed(withHeaderRetryAfter(problem.get(), exchange.header(Headers.RETRY_AFTER)));
        }
        Log.warnf("request %s: llm-cascade answered HTTP %d without a problem body", call.requestId(), exchange.status());
        return CompletionReader.failed(ErrorType.SERVICE_UNAVAILABLE, "The model service answered with an unexpected response.",
                call, user);
    }

    private CascadeReply unreachable(CallContext call, UserContext user) {
        return CompletionReader.failed(ErrorType.SERVICE_UNAVAILABLE, "The model service could not be reached.", call, user);
    }

    private static Problem withHeaderRetryAfter(Problem problem, String header) {
        if (problem.retryAfterSeconds() != null || header == null) {
            return problem;
        }
        try {
            return problem.withRetryAfterSeconds(Integer.parseInt(header.trim()));
        } catch (NumberFormatException e) {
            return problem;
        }
    }
}
