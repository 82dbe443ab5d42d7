package dev.verity.data.query;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * Last good result of each query, in Redis under {@code verity:cache:metrics:<hash>}.
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
    public record Entry<T>(@JsonProperty("stored_at") Instant storedAt, @JsonProperty("result") T result) {
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
        String entry;
        try {
            // Written as typed values, not a tree, so numbers keep exactly the scale they were answered with.
            entry = json.writeValueAsString(new Entry<>(producedAt, result));
        } catch (Exception e) {
            return Uni.createFrom().voidItem();
        }
        return values.setex(key, config.cacheTtl().toSeconds(), entry)
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .onFailure().invoke(e -> Log.warnf("last-good result not cached: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    public <T> Uni<Optional<Entry<T>>> lookup(String key, Class<T> type) {
        return values.get(key)
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .map(raw -> parse(raw, type))
                .onFailure().invoke(e -> Log.warnf("last-good cache unreachable: %s", e.getMessage()))
                .onFailure().recoverWithItem(Optional.empty());
    }

    private <T> Optional<Entry<T>> parse(String raw, Class<T> type) {
        if (raw == null) {
            return Optional.empty();
        }
        try {
            JavaType entryType = json.getTypeFactory().constructParametricType(Entry.class, type);
            Entry<T> entry = json.readValue(raw, entryType);
            if (entry.storedAt() == null || entry.result() == null) {
                return Optional.empty();
            }
            return Optional.of(entry);
        } catch (Exception e) {
            Log.warnf("unreadable last-good cache entry ignored: %s", e.getMessage());
            return Optional.empty();
        }
    }
}
