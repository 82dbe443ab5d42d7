package dev.verity.runtime.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Tokens whose signature and claims were verified, by the SHA-256 of the raw token, each until its
 * {@code exp} (or its {@code iat} plus the configured maximum age, when that comes first). Never
 * longer than the verifier would accept it: past that moment the token goes to the verifier again,
 * which applies its own clock skew and grace and refuses it (a token no longer valid is not kept again). Bounded: when full,
 * expired entries are swept and, if that frees nothing, a new token is verified but not kept (the
 * tokens already kept stay; nothing is dropped that would not be verified again anyway).
 *
 * <p>Only verified tokens are kept, so an invalid token costs a full verification every time,
 * exactly as without this cache. A token differing in one character (an edited payload, another
 * signature) has another hash and is verified on its own.
 */
final class VerifiedTokens {

    /** SHA-256 of a raw token, as four longs: cheap to hash and compare. */
    private record Key(long a, long b, long c, long d) {
    }

    private record Entry(JsonWebToken token, long validUntilMillis) {
    }

    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
    private final int maxEntries;
    private final Long maxAgeMillis;
    private final Clock clock;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder notKept = new LongAdder();

    /**
     * @param maxEntries at most this many tokens are kept
     * @param maxAgeSeconds the verifier's maximum age after {@code iat} ({@code smallrye.jwt.time-to-live}), or null
     */
    VerifiedTokens(int maxEntries, Long maxAgeSeconds, Clock clock) {
        this.maxEntries = maxEntries;
        this.maxAgeMillis = maxAgeSeconds == null ? null : maxAgeSeconds * 1000L;
        this.clock = clock;
    }

    /** The token verified earlier and still within its lifetime, or null. */
    JsonWebToken get(String raw) {
        Key key = keyOf(raw);
        Entry entry = entries.get(key);
        if (entry == null) {
            misses.increment();
            return null;
        }
        if (clock.millis() >= entry.validUntilMillis()) {
            entries.remove(key, entry);
            misses.increment();
            return null;
        }
        hits.increment();
        return entry.token();
    }

    /** Keeps a token the verifier has just accepted. */
    void put(String raw, JsonWebToken verified) {
        long until = verified.getExpirationTime() * 1000L;
        if (maxAgeMillis != null && verified.getIssuedAtTime() > 0) {
            until = Math.min(until, verified.getIssuedAtTime() * 1000L + maxAgeMillis);
        }
        long now = clock.millis();
        if (verified.getExpirationTime() <= 0 || until <= now) {
            return;
        }
        if (entries.size() >= maxEntries && sweep(now) == 0) {
            notKept.increment();
            return;
        }
        entries.put(keyOf(raw), new Entry(verified, until));
    }

    private int sweep(long now) {
        int removed = 0;
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            if (now >= it.next().validUntilMillis()) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    int size() {
        return entries.size();
    }

    long hits() {
        return hits.sum();
    }

    long misses() {
        return misses.sum();
    }

    /** Verified tokens not kept because the cache was full of live ones. */
    long notKept() {
        return notKept.sum();
    }

    private static Key keyOf(String raw) {
        try {
            ByteBuffer digest = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8)));
            return new Key(digest.getLong(), digest.getLong(), digest.getLong(), digest.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
