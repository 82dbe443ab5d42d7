package dev.verity.bench;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/** The load generator's HTTP/1.1 client: keep-alive connections, one per request in flight. */
final class Http {

    record Reply(int status, Buffer body) {
    }

    private final HttpClient client;

    Http(Vertx vertx) {
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5000),
                new PoolOptions().setHttp1MaxSize(4096).setMaxWaitQueueSize(-1));
    }

    Future<Reply> post(String url, String bearer, Buffer body) {
        return post(url, bearer, body, MultiMap.caseInsensitiveMultiMap());
    }

    /** With extra request headers (a gateway's routing headers, for one). */
    Future<Reply> post(String url, String bearer, Buffer body, MultiMap extra) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json").addAll(extra);
        if (bearer != null) {
            headers.add("authorization", "Bearer " + bearer);
        }
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
                .setHeaders(headers).setIdleTimeout(30_000);
        return client.request(options)
                .compose(request -> request.send(body))
                .compose(response -> response.body().map(payload -> new Reply(response.statusCode(), payload)));
    }

    /**
     * When a streamed answer's parts arrived, in nanoseconds from the send: the first chunk with
     * content and the last byte. {@code complete} when the stream was a 200 that ended with
     * {@code data: [DONE]} and carried no error event.
     */
    record StreamTiming(boolean complete, long firstContentNanos, long lastByteNanos) {
    }

    /** A content delta with at least one character (a role chunk's empty content does not count). */
    private static final java.util.regex.Pattern CONTENT = java.util.regex.Pattern.compile("\"content\":\"[^\"]");

    /** POSTs a streaming request and times its first content chunk and its end, without keeping the body. */
    Future<StreamTiming> stream(String url, String bearer, Buffer body) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json")
                .add("accept", "text/event-stream");
        if (bearer != null) {
            headers.add("authorization", "Bearer " + bearer);
        }
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
                .setHeaders(headers).setIdleTimeout(30_000);
        long sent = System.nanoTime();
        return client.request(options)
                .compose(request -> request.send(body))
                .compose(response -> {
                    if (response.statusCode() != 200) {
                        return response.body().map(ignored -> new StreamTiming(false, 0, System.nanoTime() - sent));
                    }
                    Promise<StreamTiming> timing = Promise.promise();
                    StringBuilder beforeContent = new StringBuilder();
                    long[] firstContent = {0};
                    boolean[] error = {false};
                    StringBuilder tail = new StringBuilder();
                    response.handler(chunk -> {
                        String text = chunk.toString();
                        if (firstContent[0] == 0) {
                            // Buffered only until the first content, which may straddle two network reads.
                            beforeContent.append(text);
                            if (CONTENT.matcher(beforeContent).find()) {
                                firstContent[0] = System.nanoTime() - sent;
                            }
                        }
                        error[0] |= text.contains("\"error\":");
                        tail.append(text);
                        if (tail.length() > 64) {
                            tail.delete(0, tail.length() - 64);
                        }
                    });
                    response.exceptionHandler(timing::tryFail);
                    response.endHandler(ignored -> timing.tryComplete(new StreamTiming(
                            firstContent[0] > 0 && !error[0] && tail.toString().trim().endsWith("data: [DONE]"),
                            firstContent[0], System.nanoTime() - sent)));
                    return timing.future();
                });
    }

    Future<Reply> get(String url) {
        return client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).setIdleTimeout(10_000))
                .compose(request -> request.send())
                .compose(response -> response.body().map(payload -> new Reply(response.statusCode(), payload)));
    }
}
