package dev.verity.data.usage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.verity.contract.UsageEvent;
import dev.verity.data.config.DataConfig;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Re-drives dead-lettered usage events after a fix: each entry of the dead-letter stream is
 * checked again with the same validation the consumer uses; the ones that now pass are stored
 * (idempotently: the event id is the key, so a replay stores once) and their rejections closed in
 * one transaction, then removed from the dead-letter stream. The rest stay where they are, and the
 * report says why.
 */
@ApplicationScoped
public class DeadLetterRedrive {

    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(5);

    private final ReactiveStreamCommands<String, String, String> streams;
    private final UsageStreamConsumer consumer;
    private final UsageStore store;
    private final DataConfig.Stream config;

    public DeadLetterRedrive(ReactiveRedisDataSource redis, UsageStreamConsumer consumer, UsageStore store,
            DataConfig config) {
        this.streams = redis.stream(String.class, String.class, String.class);
        this.consumer = consumer;
        this.store = store;
        this.config = config.stream();
    }

    /** What one re-drive did. */
    public record Report(
            @JsonProperty("examined") int examined,
            @JsonProperty("stored") int stored,
            @JsonProperty("already_stored") int alreadyStored,
            @JsonProperty("still_rejected") List<StillRejected> stillRejected) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StillRejected(
            @JsonProperty("dead_letter_id") String deadLetterId,
            @JsonProperty("source_id") String sourceId,
            @JsonProperty("event_id") String eventId,
            @JsonProperty("reason") String reason) {
    }

    /** Re-drives up to {@code limit} of the oldest dead letters. */
    public Uni<Report> redrive(int limit) {
        return streams.xrange(config.deadLetterKey(), StreamRange.of("-", "+"), limit)
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .chain(this::redrive);
    }

    private Uni<Report> redrive(List<StreamMessage<String, String, String>> entries) {
        List<UsageCall> calls = new ArrayList<>();
        List<String> sourceIds = new ArrayList<>();
        List<String> redriven = new ArrayList<>();
        List<StillRejected> still = new ArrayList<>();
        for (StreamMessage<String, String, String> entry : entries) {
            Map<String, String> fields = entry.payload();
            String sourceId = fields.getOrDefault("source_id", entry.id());
            switch (consumer.check(sourceId, fields.get(UsageEvent.STREAM_FIELD))) {
                case UsageStreamConsumer.Checked.Valid valid -> {
                    calls.add(valid.call());
                    sourceIds.add(sourceId);
                    redriven.add(entry.id());
                }
                case UsageStreamConsumer.Checked.Rejected rejected -> still.add(new StillRejected(entry.id(), sourceId,
                        rejected.rejection().eventId(), rejected.rejection().reason()));
            }
        }
        return store.storeRedriven(calls, sourceIds)
                .chain(inserted -> removeFromDeadLetters(redriven).replaceWith(inserted))
                .map(inserted -> {
                    Log.infof("re-drive: %d dead letters examined, %d stored, %d already stored, %d still rejected",
                            entries.size(), inserted, calls.size() - inserted, still.size());
                    return new Report(entries.size(), inserted, calls.size() - inserted, still);
                });
    }

    private Uni<Void> removeFromDeadLetters(List<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // After the commit: if this fails the entries stay, and the next re-drive finds them already stored.
        return streams.xdel(config.deadLetterKey(), ids.toArray(String[]::new))
                .ifNoItem().after(REDIS_TIMEOUT).fail()
                .replaceWithVoid();
    }
}
