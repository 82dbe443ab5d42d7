package dev.verity.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.gateway.routing.StreamEvent;
import io.quarkus.logging.Log;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.Provider;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveResourceInfo;
import org.jboss.resteasy.reactive.server.spi.ServerHttpResponse;
import org.jboss.resteasy.reactive.server.spi.ServerMessageBodyWriter;
import org.jboss.resteasy.reactive.server.spi.ServerRequestContext;

/**
 * Writes a {@link CompletionStream} as server-sent events, one {@code data:} event per item. The
 * response's status and headers are the resource's (they leave with the first event); the next
 * event is requested only once the previous one is written, so a slow caller slows the upstream
 * instead of filling memory. A caller who disconnects cancels the stream, which closes the
 * upstream call. A {@link StreamEvent.Stopped} is written as the OpenAI-shaped error event and is
 * always the last event.
 */
@Provider
public class CompletionStreamWriter implements ServerMessageBodyWriter<CompletionStream> {

    private final ObjectMapper json;

    public CompletionStreamWriter(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, ResteasyReactiveResourceInfo target, MediaType mediaType) {
        return CompletionStream.class.isAssignableFrom(type);
    }

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return CompletionStream.class.isAssignableFrom(type);
    }

    @Override
    public void writeResponse(CompletionStream stream, Type genericType, ServerRequestContext context) {
        ResteasyReactiveRequestContext request = (ResteasyReactiveRequestContext) context;
        request.suspend();
        ServerHttpResponse response = context.serverResponse();
        response.setChunked(true);
        stream.events().subscribe().withSubscriber(new Relay(request, response));
    }

    @Override
    public void writeTo(CompletionStream stream, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType,
                        MultivaluedMap<String, Object> headers, OutputStream out) {
        // Only the reactive server writes responses here; a blocking write would defeat back-pressure.
        throw new UnsupportedOperationException("completion streams are written reactively");
    }

    private byte[] event(StreamEvent event) throws JsonProcessingException {
        String data = switch (event) {
            case StreamEvent.Data d -> d.payload();
            case StreamEvent.Stopped stopped -> json.writeValueAsString(OpenAiErrors.OpenAiError.of(stopped.problem()));
        };
        return ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private final class Relay implements Flow.Subscriber<StreamEvent> {

        private final ResteasyReactiveRequestContext request;
        private final ServerHttpResponse response;
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile Flow.Subscription subscription;

        Relay(ResteasyReactiveRequestContext request, ServerHttpResponse response) {
            this.request = request;
            this.response = response;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            response.addCloseHandler(() -> {
                if (!finished.get()) {
                    // The caller went away: stop the stream and with it the upstream call.
                    finished.set(true);
                    s.cancel();
                    request.resume();
                }
            });
            s.request(1);
        }

        @Override
        public void onNext(StreamEvent event) {
            byte[] bytes;
            try {
                bytes = event(event);
            } catch (JsonProcessingException e) {
                subscription.cancel();
                onError(e);
                return;
            }
            response.write(bytes).whenComplete((done, failure) -> {
                if (failure != null) {
                    subscription.cancel();
                    finish();
                } else if (!finished.get()) {
                    subscription.request(1);
                }
            });
        }

        @Override
        public void onError(Throwable failure) {
            // The pipeline turns every failure into a Stopped event; this is a bug, not an answer.
            Log.errorf(failure, "completion stream failed after it started");
            finish();
        }

        @Override
        public void onComplete() {
            finish();
        }

        private void finish() {
            if (finished.compareAndSet(false, true)) {
                if (!response.closed()) {
                    response.end();
                }
                request.resume();
            }
        }
    }
}
