package dev.verity.agent.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.Services;
import dev.verity.local.VerityTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.pubsub.PubSubCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_agent_test"), @ResourceArg(name = "redis-db", value = "3")})
class EventLogTest {

    @Inject
    EventLog log;

    @Inject
    RedisDataSource redis;

    @Inject
    ReactiveRedisDataSource reactiveRedis;

    @Inject
    ObjectMapper json;

    private static Event event(String user, EventType type, String requestId, Map<String, Object> data) {
        return new Event(type, null, requestId, user, Instant.now(), Services.EXECUTION_AGENT, null, data);
    }

    @Test
    void everyEventGetsAnIncreasingIdIsLoggedAndPublishedWithThatId() throws Exception {
        String user = "u-log-" + UUID.randomUUID();
        List<String> published = new CopyOnWriteArrayList<>();
        PubSubCommands.RedisSubscriber subscriber = redis.pubsub(String.class)
                .subscribe(EventLog.CHANNEL_PREFIX + user, published::add);
        awaitSubscribed(EventLog.CHANNEL_PREFIX + user);
        try {
            List<EventType> order = List.of(EventType.AGENT_STARTED, EventType.AGENT_THINKING, EventType.TOOL_EXECUTING,
                    EventType.TOOL_COMPLETED, EventType.AGENT_COMPLETED);
            List<String> ids = new java.util.ArrayList<>();
            for (EventType type : order) {
                Event logged = log.append(event(user, type, "req-1", Map.of("step", type.wire())))
                        .await().atMost(Duration.ofSeconds(20));
                assertThat(logged.type()).isEqualTo(type);
                assertThat(logged.eventId()).matches("\\d+-\\d+");
                ids.add(logged.eventId());
            }
            assertThat(ids).isSortedAccordingTo(EventLogTest::compareIds).doesNotHaveDuplicates();

            List<StreamMessage<String, String, String>> stored = redis.stream(String.class)
                    .xrange(EventLog.LOG_PREFIX + user, StreamRange.of("-", "+"));
            assertThat(stored).extracting(StreamMessage::id).containsExactlyElementsOf(ids);
            JsonNode first = json.readTree(stored.get(0).payload().get(EventLog.FIELD));
            assertThat(first.path("type").asText()).isEqualTo("agent_started");
            assertThat(first.has("event_id")).as("the entry id is the event id; the body does not repeat it").isFalse();
            assertThat(redis.key().ttl(EventLog.LOG_PREFIX + user)).isPositive();

            await().atMost(Duration.ofSeconds(20)).until(() -> published.size() == order.size());
            List<String> publishedIds = published.stream().map(this::eventId).toList();
            assertThat(publishedIds).containsExactlyElementsOf(ids);
            assertThat(json.readTree(published.get(4)).path("type").asText()).isEqualTo("agent_completed");
            assertThat(json.readTree(published.get(4)).path("user_id").asText()).isEqualTo(user);
        } finally {
            subscriber.unsubscribe();
        }
    }

    @Test
    void concurrentRunsOfOneUserArePublishedInIdOrder() {
        String user = "u-log-" + UUID.randomUUID();
        List<String> published = new CopyOnWriteArrayList<>();
        PubSubCommands.RedisSubscriber subscriber = redis.pubsub(String.class)
                .subscribe(EventLog.CHANNEL_PREFIX + user, published::add);
        awaitSubscribed(EventLog.CHANNEL_PREFIX + user);
        try {
            // Two runs of the same user, each appending its events in order, at the same time.
            List<io.smallrye.mutiny.Uni<List<Event>>> runs = new java.util.ArrayList<>();
            for (String run : List.of("req-a", "req-b")) {
                runs.add(io.smallrye.mutiny.Multi.createFrom().range(0, 20)
                        .onItem().transformToUniAndConcatenate(i -> log.append(event(user, EventType.AGENT_THINKING, run, Map.of("i", i))))
                        .collect().asList());
            }
            List<List<Event>> results = io.smallrye.mutiny.Uni.join().all(runs).andFailFast().await().atMost(Duration.ofSeconds(20));
            assertThat(results).allSatisfy(events -> assertThat(events).hasSize(20));
            await().atMost(Duration.ofSeconds(20)).until(published::size, n -> n == 40);
            List<String> ids = published.stream().map(this::eventId).toList();
            assertThat(ids).isSortedAccordingTo(EventLogTest::compareIds).doesNotHaveDuplicates();
        } finally {
            subscriber.unsubscribe();
        }
    }

    @Test
    void theLogIsCappedPerUser() {
        String user = "u-log-" + UUID.randomUUID();
        EventLog small = new EventLog(reactiveRedis, json, 10, Duration.ofMinutes(5), Duration.ofSeconds(2));
        for (int i = 0; i < 600; i++) {
            small.append(event(user, EventType.AGENT_THINKING, "req-cap", Map.of("i", i))).await().atMost(Duration.ofSeconds(20));
        }
        long length = redis.stream(String.class).xlen(EventLog.LOG_PREFIX + user);
        // MAXLEN ~ trims whole radix-tree nodes: the cap is approximate but far below what was written.
        assertThat(length).isLessThan(300);
        assertThat(redis.key().ttl(EventLog.LOG_PREFIX + user)).isBetween(1L, 300L);
    }

    @Test
    void anEventWithoutItsUserIsRefusedNotLoggedSomewhere() {
        Event anonymous = new Event(EventType.AGENT_STARTED, null, "req-x", null, Instant.now(),
                Services.EXECUTION_AGENT, null, Map.of());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.append(anonymous).await().atMost(Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** SUBSCRIBE is acknowledged asynchronously; publish only once Redis counts the subscriber. */
    private void awaitSubscribed(String channel) {
        await().atMost(Duration.ofSeconds(20)).until(() ->
                redis.execute("PUBSUB", "NUMSUB", channel).get(1).toLong() > 0);
    }

    private String eventId(String payload) {
        try {
            return json.readTree(payload).path("event_id").asText();
        } catch (Exception e) {
            throw new AssertionError("published payload is not JSON: " + payload, e);
        }
    }

    static int compareIds(String a, String b) {
        return EventLog.StreamId.parse(a).compareTo(EventLog.StreamId.parse(b));
    }
}
