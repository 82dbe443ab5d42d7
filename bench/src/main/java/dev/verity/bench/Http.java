package dev.verity.bench;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
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
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
        if (bearer != null) {
            headers.add("authorization", "Bearer " + bearer);
        }
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
                .setHeaders(headers).setIdleTimeout(30_000);
        return client.request(options)
                .compose(request -> request.send(body))
                .compose(response -> response.body().map(payload -> new Reply(response.statusCode(), payload)));
    }

    Future<Reply> get(String url) {
        return client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).setIdleTimeout(10_000))
                .compose(request -> request.send())
                .compose(response -> response.body().map(payload -> new Reply(response.statusCode(), payload)));
    }
}
