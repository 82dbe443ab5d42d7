package dev.verity.agent.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.agent.run.RunAnswer;
import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.Headers;
import dev.verity.contract.Problem;
import dev.verity.contract.Provenance;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * The two HTTP forms of a run on one endpoint: a Server-Sent Events stream of its events, or just
 * its terminal outcome as JSON (200 with the answer, or the problem with its status). Which one is
 * decided per request by the body's {@code stream} field, so for the JSON method status, content
 * type and body are all set here rather than by {@code @Produces}.
 */
@ApplicationScoped
public class RunResponses {

    private static final String CONTENT_TYPE = "Content-Type";

    private final ObjectMapper json;

    public RunResponses(ObjectMapper json) {
        this.json = json;
    }

    /** For a method that produces JSON but was asked for a stream in the body: framed here. */
    public RestMulti<String> stream(Multi<Event> events) {
        return RestMulti.fromMultiData(events.map(event -> "data: " + write(event) + "\n\n"))
                .encodeAsJsonArray(false)
                .status(200)
                .header(CONTENT_TYPE, MediaType.SERVER_SENT_EVENTS)
                .header("Cache-Control", "no-store")
                .header("X-Accel-Buffering", "no")
                .build();
    }

    public RestMulti<String> outcome(Multi<Event> events) {
        Uni<Body> terminal = events.filter(event -> event.type().isTerminal()).toUni().map(this::body);
        return RestMulti.fromUniResponse(terminal, body -> Multi.createFrom().item(body.text()), Body::headers, Body::status);
    }

    /** For a method that produces {@code text/event-stream}: Quarkus frames each JSON event as an SSE event. */
    public Multi<String> eventData(Multi<Event> events) {
        return events.map(this::write);
    }

    private Body body(Event terminal) {
        if (terminal.type() == EventType.AGENT_COMPLETED) {
            RunAnswer answer = new RunAnswer(terminal.requestId(), (String) terminal.data().get("response"),
                    (Provenance) terminal.data().get("provenance"));
            return new Body(200, Map.of(CONTENT_TYPE, List.of(MediaType.APPLICATION_JSON)), write(answer));
        }
        return problemBody((Problem) terminal.data().get("problem"));
    }

    private Body problemBody(Problem problem) {
        Map<String, List<String>> headers = problem.retryable() && problem.retryAfterSeconds() != null
                ? Map.of(CONTENT_TYPE, List.of(Headers.PROBLEM_JSON), Headers.RETRY_AFTER, List.of(String.valueOf(problem.retryAfterSeconds())))
                : Map.of(CONTENT_TYPE, List.of(Headers.PROBLEM_JSON));
        return new Body(problem.status(), headers, write(problem));
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Body(int status, Map<String, List<String>> headers, String text) {
    }
}
