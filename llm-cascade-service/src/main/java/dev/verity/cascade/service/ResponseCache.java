package dev.verity.cascade.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.cascade.api.ChatCompletion;
import dev.verity.cascade.api.ChatCompletionRequest;
import dev.verity.cascade.config.CascadePolicy;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Opt-in exact-match response cache ({@code cache: true}) in Redis under
 * {@code verity:cache:llm:<sha256>}. The key covers the caller's org and the whole request in a
 * normalised form (keys sorted, whitespace irrelevant; {@code cache} and {@code user} left out),
 * so one org never receives another's answers. A hit is the stored answer with its original
 * provenance and {@code cache_hit: true}. Redis slow or down is a miss, never a failure.
 */
@ApplicationScoped
public class ResponseCache {

    public static final String PREFIX = "verity:cache:llm:";

    private final ReactiveValueCommands<String, String> values;
    private final ObjectMapper json;
    private final Duration ttl;
    private final Duration lookupTimeout;

    public ResponseCache(ReactiveRedisDataSource redis, ObjectMapper json, CascadePolicy policy) {
        this.values = redis.value(String.class);
        this.json = json;
        this.ttl = policy.cache().ttl();
        this.lookupTimeout = policy.cache().lookupTimeout();
    }

    public Uni<Optional<ChatCompletion>> find(String orgId, ChatCompletionRequest request) {
        String key = key(orgId, request);
        return values.get(key)
                .ifNoItem().after(lookupTimeout).fail()
                .map(stored -> Optional.ofNullable(stored).map(this::read).map(c -> c.withProvenance(c.provenance().asCacheHit())))
                .onFailure().recoverWithItem(e -> {
                    Log.debugf("response cache look-up skipped: %s", e.getMessage());
                    return Optional.empty();
                });
    }

    /** Fire and forget: storing must not delay the answer. */
    public void store(String orgId, ChatCompletionRequest request, ChatCompletion completion) {
        try {
            values.setex(key(orgId, request), Math.max(1, ttl.toSeconds()), json.writeValueAsString(completion))
                    .subscribe().with(ok -> { }, e -> Log.debugf("response not cached: %s", e.getMessage()));
        } catch (Exception e) {
            Log.warnf("response not cached: %s", e.getMessage());
        }
    }

    String key(String orgId, ChatCompletionRequest request) {
        ObjectNode normalised = json.valueToTree(request);
        normalised.remove("cache");
        normalised.remove("user");
        normalised.put("model", request.modelOrAuto());
        ObjectNode keyed = json.createObjectNode();
        keyed.put("org", orgId);
        keyed.set("request", normalised);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(json.writeValueAsString(sorted(keyed)).getBytes(StandardCharsets.UTF_8));
            return PREFIX + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            TreeMap<String, JsonNode> fields = new TreeMap<>();
            node.fields().forEachRemaining(f -> fields.put(f.getKey(), sorted(f.getValue())));
            ObjectNode copy = json.createObjectNode();
            fields.forEach(copy::set);
            return copy;
        }
        if (node.isArray()) {
            var copy = json.createArrayNode();
            node.forEach(item -> copy.add(sorted(item)));
            return copy;
        }
        return node;
    }

    private ChatCompletion read(String stored) {
        try {
            return json.readValue(stored, ChatCompletion.class);
        } catch (Exception e) {
            Log.warnf("unreadable response cache entry ignored: %s", e.getMessage());
            return null;
        }
    }
}
