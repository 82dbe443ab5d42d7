package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** HTTP calls of the suites; every body received is scanned before a test sees it. */
public final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Http() {
    }

    public record Reply(int status, String body, HttpResponse<String> raw) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    public static Reply get(String url, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request.build());
    }

    public static Reply post(String url, String token, String body) {
        return post(url, token, body, Map.of());
    }

    public static Reply post(String url, String token, String body, Map<String, String> headers) {
        return post(url, token, body, headers, Duration.ofSeconds(60));
    }

    /**
     * A POST whose answer must arrive within {@code within}: past it the client gives up with an
     * {@link java.net.http.HttpTimeoutException}, so a request that hangs fails the test.
     */
    public static Reply post(String url, String token, String body, Map<String, String> headers, Duration within) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(within)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        headers.forEach(request::header);
        return send(request.build());
    }

    /** The X-Request-Deadline header for a budget from now. */
    public static Map<String, String> deadlineIn(Duration budget) {
        return Map.of("X-Request-Deadline", Long.toString(System.currentTimeMillis() + budget.toMillis()));
    }

    private static Reply send(HttpRequest request) {
        try {
            HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(Scanner.violations(response.body()))
                    .as("user-facing body of %s %s", request.method(), request.uri().getPath())
                    .isEmpty();
            return new Reply(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
