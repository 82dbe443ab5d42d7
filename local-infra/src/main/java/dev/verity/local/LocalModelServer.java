package dev.verity.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The first answer without configuration: when {@code ./verity run} is given no model, it looks
 * for an OpenAI-compatible server already running on this machine, asks it {@code GET /v1/models}
 * and offers what it lists to the cascade as tier-1 models. Only a server that answers with a
 * non-empty model list counts; anything else (nothing listening, an error status, a body that is
 * not the OpenAI list shape) is passed over, and the stack then runs without a model, as it says.
 */
public final class LocalModelServer {

    /** A place a local model server usually listens; llama.cpp's 8081 is the cascade's own port. */
    public record Candidate(String product, String host, int port) {
        public String baseUrl() {
            return "http://" + host + ":" + port + "/v1";
        }
    }

    /** The usual ports of Ollama (its {@code /v1} API), vLLM and LM Studio, tried in this order. */
    public static final List<Candidate> USUAL = List.of(
            new Candidate("Ollama", "localhost", 11434),
            new Candidate("vLLM", "localhost", 8000),
            new Candidate("LM Studio", "localhost", 1234));

    /** A listed model: {@code name} is the cascade's (lower-case letters and digits), {@code upstreamId} the server's, exact. */
    public record Model(String name, String upstreamId) {
    }

    /** What the search found. */
    public sealed interface Detection {
        /** The first candidate that listed at least one model. */
        record Found(Candidate server, List<Model> models) implements Detection {
        }

        /** No candidate listed a model; {@code tried} says why each was passed over. */
        record NotFound(List<String> tried) implements Detection {
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Short: a fresh start must not wait on ports where nothing listens. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(300);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    private LocalModelServer() {
    }

    /** True when the environment configures any model itself, so nothing is searched for. */
    public static boolean modelsConfigured(Map<String, String> environment) {
        return environment.keySet().stream().anyMatch(name -> name.startsWith("VERITY_MODELS_"));
    }

    public static Detection detect(List<Candidate> candidates) {
        // HTTP/1.1: local servers are plain HTTP, and an h2c upgrade offer is one more thing to go wrong.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT).build();
        List<String> tried = new ArrayList<>();
        for (Candidate candidate : candidates) {
            String where = candidate.product() + " at " + candidate.baseUrl();
            try {
                HttpResponse<String> reply = client.send(HttpRequest.newBuilder(URI.create(candidate.baseUrl() + "/models"))
                        .timeout(REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (reply.statusCode() != 200) {
                    tried.add(where + ": GET /v1/models answered " + reply.statusCode());
                    continue;
                }
                List<String> ids = modelIds(reply.body());
                if (ids.isEmpty()) {
                    tried.add(where + ": lists no model");
                    continue;
                }
                return new Detection.Found(candidate, named(ids));
            } catch (java.net.ConnectException e) {
                tried.add(where + ": nothing answers");
            } catch (IOException e) {
                tried.add(where + ": no usable reply (" + e.getClass().getSimpleName() + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                tried.add(where + ": interrupted");
                break;
            }
        }
        return new Detection.NotFound(List.copyOf(tried));
    }

    /** The ids of an OpenAI model list ({@code {"data":[{"id":…}]}}); empty when the body is not one. */
    static List<String> modelIds(String body) {
        JsonNode data;
        try {
            data = JSON.readTree(body).path("data");
        } catch (IOException e) {
            return List.of();
        }
        Set<String> ids = new LinkedHashSet<>();
        for (JsonNode model : data) {
            JsonNode id = model.path("id");
            if (id.isTextual() && !id.asText().isBlank()) {
                ids.add(id.asText());
            }
        }
        return List.copyOf(ids);
    }

    /**
     * Cascade names for upstream ids: lower-case letters and digits only (they become part of
     * {@code VERITY_MODELS_<NAME>_*}), made unique with a number where two ids reduce alike.
     */
    static List<Model> named(List<String> upstreamIds) {
        Set<String> taken = new LinkedHashSet<>();
        List<Model> models = new ArrayList<>();
        for (String id : upstreamIds) {
            String base = id.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
            if (base.isEmpty() || !Character.isLetter(base.charAt(0))) {
                base = "local" + base;
            }
            String name = base;
            for (int n = 2; !taken.add(name); n++) {
                name = base + n;
            }
            models.add(new Model(name, id));
        }
        return List.copyOf(models);
    }

    /** The cascade's configuration for what was found: each model at tier 1, its upstream id exact. */
    public static Map<String, String> environment(Detection.Found found) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Model model : found.models()) {
            String prefix = "VERITY_MODELS_" + model.name().toUpperCase(Locale.ROOT) + "_";
            env.put(prefix + "BASE_URL", found.server().baseUrl());
            env.put(prefix + "UPSTREAM_MODEL", model.upstreamId());
            env.put(prefix + "TIER", "1");
        }
        return env;
    }

    /** The launcher's plain account of what it found and how to choose otherwise. */
    public static String report(Detection detection) {
        return switch (detection) {
            case Detection.Found found -> {
                StringBuilder out = new StringBuilder(String.format(
                        "  Models: found %s at %s; using as tier 1:%n", found.server().product(), found.server().baseUrl()));
                found.models().forEach(model -> out.append(String.format("    %-24s (upstream model %s)%n",
                        model.name(), model.upstreamId())));
                out.append("  To choose models yourself, set VERITY_MODELS_<NAME>_BASE_URL (see README);"
                        + " then nothing is searched for.\n");
                yield out.toString();
            }
            case Detection.NotFound notFound -> {
                StringBuilder out = new StringBuilder("  Models: none. No VERITY_MODELS_<NAME>_BASE_URL is set and no local"
                        + " OpenAI-compatible server listed a model:\n");
                notFound.tried().forEach(reason -> out.append("    ").append(reason).append('\n'));
                out.append("  Every completion is a 503 llm_unavailable problem until a model is configured (see README).\n");
                yield out.toString();
            }
        };
    }
}
