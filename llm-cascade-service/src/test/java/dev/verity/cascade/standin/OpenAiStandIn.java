package dev.verity.cascade.standin;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * WireMock serving the OpenAI chat-completions protocol: the only stand-in in these tests, for
 * the external LLM providers. Three models point at it, each under its own path
 * ({@code /<model>/v1/chat/completions}), with short timeouts so fault tests stay quick.
 */
public class OpenAiStandIn implements QuarkusTestResourceLifecycleManager {

    public static final String SMALL_KEY = "sk-test-small-provider";
    /** Model id the small model is known by upstream, different from its configured name. */
    public static final String SMALL_UPSTREAM = "provider-small-2026";
    public static final long SMALL_TIMEOUT_MS = 1500;
    public static final int SMALL_CONTEXT = 4096;
    public static final int LARGE_CONTEXT = 32000;
    public static final int BREAKER_WINDOW = 4;

    private WireMockServer server;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").containerThreads(20));
        server.start();
        warmUp(server.port());
        String base = "http://127.0.0.1:" + server.port();
        Map<String, String> config = new HashMap<>();
        config.put("verity.models.small.base-url", base + "/small/v1");
        config.put("verity.models.small.api-key", SMALL_KEY);
        config.put("verity.models.small.upstream-model", SMALL_UPSTREAM);
        config.put("verity.models.small.tier", "1");
        config.put("verity.models.small.input-usd-per-mtok", "0.5");
        config.put("verity.models.small.output-usd-per-mtok", "1.5");
        config.put("verity.models.small.context-window", String.valueOf(SMALL_CONTEXT));
        config.put("verity.models.small.timeout", SMALL_TIMEOUT_MS + "ms");
        config.put("verity.models.small.max-concurrency", "8");

        config.put("verity.models.large.base-url", base + "/large/v1/");
        config.put("verity.models.large.api-key", "sk-test-large-provider");
        config.put("verity.models.large.tier", "2");
        config.put("verity.models.large.input-usd-per-mtok", "5");
        config.put("verity.models.large.output-usd-per-mtok", "15");
        config.put("verity.models.large.context-window", String.valueOf(LARGE_CONTEXT));
        config.put("verity.models.large.timeout", "3s");

        // A local server without key or prices: its cost is unknown, never zero.
        config.put("verity.models.local.base-url", base + "/local/v1");
        config.put("verity.models.local.tier", "3");
        config.put("verity.models.local.context-window", String.valueOf(LARGE_CONTEXT));
        config.put("verity.models.local.timeout", "3s");
        config.put("verity.models.local.max-concurrency", "1");

        config.put("verity.cascade.retry.max-retries", "1");
        config.put("verity.cascade.retry.delay", "20ms");
        config.put("verity.cascade.retry.jitter", "10ms");
        config.put("verity.cascade.breaker.request-volume-threshold", String.valueOf(BREAKER_WINDOW));
        config.put("verity.cascade.breaker.failure-ratio", "1.0");
        config.put("verity.cascade.breaker.delay", "60s");
        config.put("verity.cascade.usage.flush-interval", "1s");
        config.put("verity.cascade.usage.write-timeout", "500ms");
        config.put("verity.cascade.cache.ttl", "120s");
        return config;
    }

    /** WireMock's first request is slow (Jetty, matchers); pay for it here, not inside a model timeout. */
    private static void warmUp(int port) {
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/warm-up"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(server,
                new TestInjector.AnnotatedAndMatchesType(InjectWireMock.class, WireMockServer.class));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
