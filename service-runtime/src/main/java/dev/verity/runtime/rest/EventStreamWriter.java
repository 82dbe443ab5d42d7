package dev.verity.runtime.rest;

import io.quarkus.logging.Log;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.Provider;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveResourceInfo;
import org.jboss.resteasy.reactive.server.spi.ServerHttpResponse;
import org.jboss.resteasy.reactive.server.spi.ServerMessageBodyWriter;
import org.jboss.resteasy.reactive.server.spi.ServerRequestContext;

/**
 * Writes an {@link EventStream} to the socket with back-pressure: one event is requested, written,
 * and the next requested only when the write has completed, so a slow client slows the upstream
 * instead of filling memory. When the client closes the connection the subscription is cancelled,
 * which closes the upstream call, and the request is finished.
 *
 * <p>Why not a {@code Multi} returned from the resource with {@code @Produces(text/event-stream)}:
 * Quarkus REST commits status 200 and the headers before the first item, but the streaming
 * contracts commit them only once the first event is in hand (a failure before is an ordinary
 * problem response). Returning a {@code Response} whose entity this writer streams keeps both.
 */
@Provider
@Produces(EventStream.MEDIA_TYPE)
public class EventStreamWriter implements ServerMessageBodyWriter<EventStream> {

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, ResteasyReactiveResourceInfo target, MediaType mediaType) {
        return EventStream.class.isAssignableFrom(type);
    }

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return EventStream.class.isAssignableFrom(type);
    }

    @Override
    public void writeResponse(EventStream stream, Type genericType, ServerRequestContext context) {
        SuspendedRequest request = SuspendedRequest.suspend(context);
        ServerHttpResponse response = context.serverResponse();
        response.setChunked(true);
        stream.events().subscribe().withSubscriber(new Relay(request, response));
    }

    @Override
    public void writeTo(EventStream stream, Class<?> type, Type genericType, Annotation[] annotations,
            MediaType mediaType, MultivaluedMap<String, Object> headers, OutputStream out) {
        // Only the reactive server writes responses here; a blocking write would defeat back-pressure.
        throw new UnsupportedOperationException("an event stream is written asynchronously");
    }

    private static final class Relay implements Flow.Subscriber<String> {

        private final SuspendedRequest request;
        private final ServerHttpResponse response;
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile Flow.Subscription subscription;

        Relay(SuspendedRequest request, ServerHttpResponse response) {
            this.request = request;
            this.response = response;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            response.addCloseHandler(() -> {
                if (finished.compareAndSet(false, true)) {
                    // The caller went away: stop the stream and with it the upstream call.
                    s.cancel();
                    request.resume();
                }
            });
            s.request(1);
        }

        @Override
        public void onNext(String event) {
            response.write(event.getBytes(StandardCharsets.UTF_8)).whenComplete((ignored, failure) -> {
                if (failure == null) {
                    subscription.request(1);
                } else if (finished.compareAndSet(false, true)) {
                    subscription.cancel();
                    request.resume();
                }
            });
        }

        @Override
        public void onError(Throwable failure) {
            // Every stream ends with an error event of its own; a failure here is a bug, not an upstream fault.
            // The connection is reset so the caller sees a broken stream, not one that ended cleanly.
            Log.errorf(failure, "event stream failed unexpectedly");
            if (finished.compareAndSet(false, true)) {
                response.reset();
                request.resume();
            }
        }

        @Override
        public void onComplete() {
            if (finished.compareAndSet(false, true)) {
                response.end();
                request.resume();
            }
        }
    }
}
