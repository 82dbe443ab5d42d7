package dev.verity.agent.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.contract.Event;
import dev.verity.contract.EventType;
import dev.verity.contract.Services;
import dev.verity.local.Endpoints;
import dev.verity.local.LocalRedis;
import dev.verity.local.TestInfra;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Redis stops in the middle of a run: the run goes on, and event ids keep increasing afterwards. */
@QuarkusTest
@TestProfile(EventLogRedisOutageTest.OwnRedis.class)
class EventLogRedisOutageTest {

    static final int PORT = Endpoints.freePort();
    static LocalRedis server = LocalRedis.startEmbedded(PORT);

    public static class OwnRedis implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            TestInfra infra = TestInfra.get();
            return Map.of(
                    "quarkus.redis.hosts", "redis://127.0.0.1:" + PORT,
                    "verity.eventlog.redis-timeout", "1s",
                    "mp.jwt.verify.publickey.location", infra.keys().publicKeyPem().toUri().toString(),
                    "mp.jwt.verify.issuer", infra.tokens().issuer());
        }
    }

    @Inject
    EventLog log;

    @Inject
    RedisDataSource redis;

    @AfterAll
    static void stop() throws IOException {
        server.close();
    }

    private static Event thinking(int step) {
        return new Event(EventType.AGENT_THINKING, null, "req-outage", "u-outage", Instant.now(),
                Services.EXECUTION_AGENT, null, Map.of("step", step));
    }

    @Test
    void aRedisOutageNeitherFailsTheRunNorBreaksIdOrder() throws IOException {
        Event before = log.append(thinking(1)).await().atMost(Duration.ofSeconds(20));

        server.close();
        Event during1 = log.append(thinking(2)).await().atMost(Duration.ofSeconds(10));
        Event during2 = log.append(thinking(3)).await().atMost(Duration.ofSeconds(10));

        server = LocalRedis.startEmbedded(PORT);
        Event after = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> log.append(thinking(4)).await().atMost(Duration.ofSeconds(10)),
                        e -> redis.stream(String.class).xlen(EventLog.LOG_PREFIX + "u-outage") > 0);

        List<String> ids = List.of(before.eventId(), during1.eventId(), during2.eventId(), after.eventId());
        assertThat(ids).allMatch(id -> id.matches("\\d+-\\d+"))
                .isSortedAccordingTo(EventLogTest::compareIds).doesNotHaveDuplicates();
        List<StreamMessage<String, String, String>> stored = redis.stream(String.class)
                .xrange(EventLog.LOG_PREFIX + "u-outage", StreamRange.of("-", "+"));
        assertThat(stored).extracting(StreamMessage::id).last()
                .satisfies(id -> assertThat(EventLogTest.compareIds(id, during2.eventId())).isPositive());
    }
}
