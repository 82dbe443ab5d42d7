package dev.verity.data.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The data agent's own settings ({@code verity.data.*}). */
@ConfigMapping(prefix = "verity.data")
public interface DataConfig {

    /** A read replica of the primary ({@code postgresql://host:port/db}); tried when the primary fails. */
    Optional<String> replicaUrl();

    /** Budget of one query: enforced by PostgreSQL (statement_timeout) and by the reactive pipeline. */
    @WithDefault("5s")
    Duration queryTimeout();

    /** Most buckets one metrics query may ask for. */
    @WithDefault("1000")
    int maxBuckets();

    /** Most calls one {@code POST /v1/usage} batch may hold. */
    @WithDefault("1000")
    int maxBatchSize();

    /** How long a last-good result stays available in Redis for answering while the database is down. */
    @WithDefault("P7D")
    Duration cacheTtl();

    /** How often the schema migration is retried while PostgreSQL was unreachable at start. */
    @WithDefault("5s")
    Duration migrationRetryInterval();

    Stream stream();

    interface Stream {
        @WithDefault("verity:usage")
        String key();

        @WithDefault("data-agent")
        String group();

        @WithDefault("verity:usage:dead")
        String deadLetterKey();

        /** Roughly how many dead-lettered entries are kept; older ones are trimmed. */
        @WithDefault("100000")
        long deadLetterMaxLength();

        /** This replica's consumer name in the group; defaults to the host name (the pod name). */
        Optional<String> consumerName();

        @WithDefault("100")
        int batchSize();

        /** How long one XREADGROUP waits for new entries. */
        @WithDefault("1s")
        Duration block();

        /** Entries pending this long on any consumer (crashed, or this one after a failed insert) are claimed. */
        @WithDefault("30s")
        Duration claimMinIdle();

        @WithDefault("10s")
        Duration claimInterval();

        /** First and longest pause after Redis or PostgreSQL failed, doubling in between. */
        @WithDefault("500ms")
        Duration retryInitialBackoff();

        @WithDefault("30s")
        Duration retryMaxBackoff();

        @WithDefault("true")
        boolean enabled();
    }
}
