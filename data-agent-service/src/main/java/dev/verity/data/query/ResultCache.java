package dev.verity.data.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.data.config.DataConfig;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.ReactiveValueCommands;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Last good result of each query, in Redis under {@code verity:cache:metrics:<hash>} (DESIGN §10).
 * The hash covers the caller's org and the whole normalised query, so an entry only ever answers
 * the same org asking the same question. Entries keep the time the database produced them, which
 * becomes the answer's {@code as_of} when it is served later.
 */
@ApplicationScoped
public class ResultCache {

    public static final String PREFIX = "verity:cache:metrics:";
    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(2);

    private final ReactiveValueCommands<String, String> values;
    private final ObjectMapper json;
    private final DataConfig config;

    public ResultCache(ReactiveRedisDataSource redis, ObjectMapper json, DataConfig config) {
        this.values = redis.value(String.class, String.class);
        this.json = json;
        this.config = config;
    }

    /** A cached result with the instant the database produced it. */
    public record Entry(JsonNode result, Instant storedAt) {
    }

    public static String key(String kind, String orgId, String normalisedQuery) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest((kind + "\n" + orgId + "\n" + normalisedQuery).getBytes(StandardCharsets.UTF_8));
            return PREFIX + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    /** Remembers a fresh result; a Redis failure only costs the cache entry, never the answer. */
    public Uni<Void> remember(String key, Object result, Instant producedAt) {
        ObjectNode entry = json.createObjectNode();
        entry.put("stored_at", producedAt.toString());
        entry.set("result", json.valueToTree(result));
        return values.setex(key, config.cacheTtl().toSeconds(), entry.toString())
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .onFailure().invoke(e -> Log.warnf("last-good result not cached: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    public Uni<Optional<Entry>> lookup(String key) {
        return values.get(key)
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(this::parse)
                .onFailure().invoke(e -> Log.warnf("last-good cache unreachable: %s", e.getMessage()))
                .onFailure().recoverWithItem(Optional.empty());
    }

    private Optional<Entry> parse(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        try {
            JsonNode node = json.readTree(raw);
            return Optional.of(new Entry(node.get("result"), Instant.parse(node.get("stored_at").asText())));
        } catch (Exception e) {
            Log.warnf("unreadable last-good cache entry ignored: %s", e.getMessage());
            return Optional.empty();
        }
    }
}
