package dev.verity.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.gateway.routing.StreamEvent;
import dev.verity.runtime.rest.EventStream;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;

/**
 * A streamed completion as server-sent events, one {@code data:} event per item, written by
 * service-runtime's event stream writer. A {@link StreamEvent.Stopped} becomes the OpenAI-shaped
 * error event and is always the last event.
 */
@ApplicationScoped
public class CompletionEvents {

    private final ObjectMapper json;

    public CompletionEvents(ObjectMapper json) {
        this.json = json;
    }

    public EventStream of(Multi<StreamEvent> events) {
        return new EventStream(events.map(this::event));
    }

    private String event(StreamEvent event) {
        String data = switch (event) {
            case StreamEvent.Data d -> d.payload();
            case StreamEvent.Stopped stopped -> {
                try {
                    yield json.writeValueAsString(OpenAiErrors.OpenAiError.of(stopped.problem()));
                } catch (JsonProcessingException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        return "data: " + data + "\n\n";
    }
}
