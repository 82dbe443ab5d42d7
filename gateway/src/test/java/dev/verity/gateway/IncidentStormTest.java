package dev.verity.gateway;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import dev.verity.contract.Services;
import dev.verity.gateway.config.TierHandlingConfig;
import dev.verity.gateway.incident.Failure;
import dev.verity.gateway.incident.Incident;
import dev.verity.gateway.incident.IncidentStore;
import dev.verity.gateway.incident.Incidents;
import dev.verity.gateway.incident.IncidentsConfig;
import dev.verity.gateway.incident.Recorded;
import dev.verity.gateway.incident.SupportWebhook;
import dev.verity.local.VerityTestResource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An outage at scale, over two gateway replicas: each replica is its own {@link Incidents} with its
 * own store, webhook client and memory, and the two share only the database, exactly as two
 * gateway processes do. However the failures interleave, the organisation has one incident and
 * support hears once per change.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_test"), @ResourceArg(name = "redis-db", value = "4")})
@WithTestResource(DownstreamStandIns.class)
class IncidentStormTest extends GatewayTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    Pool pool;

    @Inject
    IncidentsConfig config;

    @Inject
    TierHandlingConfig tierConfig;

    /** The replicas' shared idea of now, moved by the tests that need a quiet period or a reminder. */
    private final AtomicReference<Instant> now = new AtomicReference<>();
    private Incidents replicaA;
    private Incidents replicaB;
    private final SimpleMeterRegistry metersA = new SimpleMeterRegistry();
    private final SimpleMeterRegistry metersB = new SimpleMeterRegistry();
    private String org;

    @BeforeEach
    void twoReplicas() {
        now.set(Instant.now());
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        replicaA = replica(clock, metersA);
        replicaB = replica(clock, metersB);
        org = "org-storm-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private Incidents replica(Clock clock, SimpleMeterRegistry meters) {
        IncidentStore store = new IncidentStore(pool, config);
        return new Incidents(store, new SupportWebhook(tierConfig, store), config, clock, meters);
    }

    /** A counter summed over both replicas, as Prometheus sums their series. */
    private double counted(String name, String tag, String value) {
        double total = 0;
        for (SimpleMeterRegistry meters : List.of(metersA, metersB)) {
            var counter = meters.find(name).tag(tag, value).counter();
            total += counter == null ? 0 : counter.count();
        }
        return total;
    }

    private Failure failure(String user, String requestId) {
        return new Failure(org, user, requestId, Services.LLM_CASCADE, "llm_unavailable", 503,
                "No configured model answered.", "am@verity.test", now.get());
    }

    @Test
    void aThousandConcurrentFailuresOverTwoReplicasAreOneIncidentAndOneDeliveryThenASuccessResolvesItOnce() throws Exception {
        List<Uni<Recorded>> storm = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Incidents replica = i % 2 == 0 ? replicaA : replicaB;
            storm.add(replica.record(failure("u-storm-" + (i % 10), "req-storm-" + i)));
        }
        List<Recorded> recorded = Uni.join().all(storm).andFailFast().await().atMost(WAIT);

        assertThat(recorded).filteredOn(r -> r instanceof Recorded.Opened).as("exactly one failure opened it").hasSize(1);
        assertThat(counted("verity.incidents.failures", "outcome", "opened")).isEqualTo(1);
        assertThat(counted("verity.incidents.failures", "outcome", "joined")).isEqualTo(999);
        assertThat(metersA.get("verity.incidents.open").gauge().value()).isEqualTo(1);
        assertThat(metersB.get("verity.incidents.open").gauge().value()).isEqualTo(1);
        assertThat(recorded).extracting(r -> r.incident().id()).containsOnly(recorded.getFirst().incident().id());
        String incidentId = recorded.getFirst().incident().id();
        List<Row> rows = incidentsOf(org);
        assertThat(rows).hasSize(1);
        Row row = rows.getFirst();
        assertThat(row.getString("state")).isEqualTo("open");
        assertThat(row.getLong("occurrences")).isEqualTo(1000);
        assertThat(row.getArrayOfStrings("request_ids")).as("the most recent, bounded").hasSize(config.maxRequestIds());
        Row users = pool.preparedQuery("SELECT count(*) AS users, sum(occurrences) AS total, max(cardinality(request_ids)) AS "
                        + "kept FROM gateway.incident_users WHERE incident_id = $1")
                .execute(Tuple.of(incidentId)).await().atMost(WAIT).iterator().next();
        assertThat(users.getLong("users")).isEqualTo(10);
        assertThat(users.getLong("total")).isEqualTo(1000);
        assertThat(users.getInteger("kept")).isEqualTo(config.maxRequestIds());

        await().atMost(WAIT).until(() -> incident(incidentId).getOffsetDateTime("opened_notified_at") != null);
        assertThat(notices()).extracting(n -> n.path("event_action").asText()).containsExactly("trigger");

        // Replica B resolves on a success; replica A, which still believes it open, resolves nothing more.
        List<Incident> resolved = replicaB.succeeded(org, Set.of(Services.LLM_CASCADE, Services.GATEWAY)).await().atMost(WAIT);
        assertThat(resolved).extracting(Incident::id).containsExactly(incidentId);
        assertThat(counted("verity.incidents.resolved", "by", "success")).isEqualTo(1);
        assertThat(metersB.get("verity.incidents.open").gauge().value()).isZero();
        assertThat(resolved.getFirst().occurrences()).isEqualTo(1000);
        assertThat(resolved.getFirst().affectedUsers()).isEqualTo(10);
        assertThat(replicaA.succeeded(org, Set.of(Services.LLM_CASCADE, Services.GATEWAY)).await().atMost(WAIT)).isEmpty();
        Row after = incident(incidentId);
        assertThat(after.getString("state")).isEqualTo("resolved");
        assertThat(after.getString("resolution")).isEqualTo("success");
        await().atMost(WAIT).until(() -> incident(incidentId).getOffsetDateTime("resolved_notified_at") != null);
        List<JsonNode> notices = notices();
        assertThat(notices).extracting(n -> n.path("event_action").asText()).containsExactly("trigger", "resolve");
        JsonNode resolve = notices.get(1);
        assertThat(resolve.path("dedup_key").asText()).isEqualTo(notices.get(0).path("dedup_key").asText())
                .isEqualTo("verity/" + org + "/llm-cascade/llm_unavailable");
        assertThat(resolve.path("payload").path("severity").asText()).isEqualTo("critical");
        assertThat(resolve.path("payload").path("custom_details").path("occurrences").asLong()).isEqualTo(1000);
        assertThat(resolve.path("payload").path("custom_details").path("affected_users").asInt()).isEqualTo(10);
        assertThat(resolve.path("payload").path("custom_details").path("request_ids_total").asLong()).isEqualTo(1000);
        assertThat(resolve.path("payload").path("custom_details").path("request_ids")).hasSize(config.maxRequestIds());

        // The next failure, on either replica, opens a new incident.
        Recorded next = replicaA.record(failure("u-storm-0", "req-after")).await().atMost(WAIT);
        assertThat(next).isInstanceOf(Recorded.Opened.class);
        assertThat(next.incident().id()).isNotEqualTo(incidentId);
        assertThat(replicaB.record(failure("u-storm-1", "req-after-2")).await().atMost(WAIT))
                .isInstanceOf(Recorded.Joined.class)
                .satisfies(r -> assertThat(r.incident().id()).isEqualTo(next.incident().id()));
        assertThat(incidentsOf(org)).extracting(r -> r.getString("state")).containsExactly("resolved", "open");
        await().atMost(WAIT).until(() -> notices().size() == 3);
    }

    @Test
    void aSuccessThatRacesTheFailuresLeavesNoIncidentOpenBehindItsBackAndNeverTwoOpen() {
        List<Uni<Object>> race = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            race.add((i % 2 == 0 ? replicaA : replicaB).record(failure("u-race", "req-race-" + i)).map(r -> r));
            if (i % 20 == 10) {
                race.add((i % 40 == 10 ? replicaA : replicaB).succeeded(org, Set.of(Services.LLM_CASCADE)).map(r -> r));
            }
        }
        Uni.join().all(race).andFailFast().await().atMost(WAIT);

        List<Row> rows = incidentsOf(org);
        assertThat(rows).filteredOn(r -> "open".equals(r.getString("state"))).hasSizeLessThanOrEqualTo(1);
        assertThat(rows.stream().mapToLong(r -> r.getLong("occurrences")).sum()).as("every failure counted once").isEqualTo(200);
    }

    @Test
    void aQuietPeriodResolvesItOnceWhicheverReplicaSweeps() throws Exception {
        String id = replicaA.record(failure("u-quiet", "req-quiet")).await().atMost(WAIT).incident().id();
        await().atMost(WAIT).until(() -> incident(id).getOffsetDateTime("opened_notified_at") != null);

        now.set(now.get().plus(config.quietPeriod()).minusSeconds(5));
        replicaB.sweep().await().atMost(WAIT);
        assertThat(incident(id).getString("state")).as("not quiet for long enough yet").isEqualTo("open");

        now.set(now.get().plusSeconds(10));
        Uni.join().all(replicaA.sweep(), replicaB.sweep()).andFailFast().await().atMost(WAIT);
        Row row = incident(id);
        assertThat(row.getString("state")).isEqualTo("resolved");
        assertThat(row.getString("resolution")).isEqualTo("quiet_period");
        await().atMost(WAIT).until(() -> incident(id).getOffsetDateTime("resolved_notified_at") != null);
        assertThat(notices()).extracting(n -> n.path("event_action").asText() + " "
                        + n.path("payload").path("custom_details").path("resolution").asText())
                .containsExactly("trigger null", "resolve quiet_period");

        assertThat(replicaA.record(failure("u-quiet", "req-quiet-2")).await().atMost(WAIT))
                .isInstanceOf(Recorded.Opened.class);
    }

    @Test
    void anIncidentStillOpenIsRemindedOncePerRepeatIntervalAcrossReplicas() throws Exception {
        String id = replicaA.record(failure("u-long", "req-long")).await().atMost(WAIT).incident().id();
        await().atMost(WAIT).until(() -> incident(id).getOffsetDateTime("opened_notified_at") != null);

        // Occurrences keep coming, so it never goes quiet; no reminder before the interval.
        Instant start = now.get();
        for (Duration step : List.of(Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(3))) {
            now.set(start.plus(step));
            replicaB.record(failure("u-long", "req-long-" + step.toHours())).await().atMost(WAIT);
            Uni.join().all(replicaA.sweep(), replicaB.sweep()).andFailFast().await().atMost(WAIT);
        }
        assertThat(notices()).hasSize(1);

        now.set(start.plus(config.repeatInterval()).plusSeconds(1));
        replicaB.record(failure("u-long", "req-long-4")).await().atMost(WAIT);
        Uni.join().all(replicaA.sweep(), replicaB.sweep()).andFailFast().await().atMost(WAIT);
        Uni.join().all(replicaA.sweep(), replicaB.sweep()).andFailFast().await().atMost(WAIT);

        await().atMost(WAIT).until(() -> notices().size() == 2);
        JsonNode reminder = notices().get(1);
        assertThat(reminder.path("event_action").asText()).isEqualTo("trigger");
        assertThat(reminder.path("payload").path("custom_details").path("notice").asText()).isEqualTo("reminder");
        assertThat(reminder.path("payload").path("custom_details").path("occurrences").asLong()).isEqualTo(5);
        assertThat(reminder.path("payload").path("summary").asText()).startsWith("Still open");
        assertThat(incident(id).getString("state")).isEqualTo("open");
    }

    private RequestPatternBuilder noticesFor() {
        return postRequestedFor(urlEqualTo(DownstreamStandIns.WEBHOOK))
                .withRequestBody(matchingJsonPath("$.payload.group", equalTo(org)));
    }

    private List<JsonNode> notices() throws Exception {
        List<JsonNode> bodies = new ArrayList<>();
        for (LoggedRequest request : standIns.wireMock().find(noticesFor())) {
            bodies.add(JSON.readTree(request.getBodyAsString()));
        }
        return bodies;
    }

    private Row incident(String id) {
        return pool.preparedQuery("SELECT * FROM gateway.incidents WHERE id = $1").execute(Tuple.of(id))
                .await().atMost(WAIT).iterator().next();
    }

    private List<Row> incidentsOf(String orgId) {
        List<Row> rows = new ArrayList<>();
        pool.preparedQuery("SELECT * FROM gateway.incidents WHERE org_id = $1 ORDER BY first_seen, resolved_at NULLS LAST")
                .execute(Tuple.of(orgId)).await().atMost(WAIT).forEach(rows::add);
        return rows;
    }
}
