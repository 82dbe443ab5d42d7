package dev.verity.gateway.incident;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The support webhook's payload: PagerDuty Events v2 fields, one dedup key per incident key, honest counts. */
class WebhookEventTest {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final Instant FIRST = Instant.parse("2026-12-03T17:40:00Z");
    private static final IncidentKey KEY = new IncidentKey("acme", "llm-cascade", "llm_unavailable");

    private static Incident open(long occurrences, int users, int status) {
        return new Incident("inc-1", KEY, Incident.State.OPEN, status, "No configured model answered.", "am@acme.test",
                occurrences, users, List.of("req-1", "req-2"), FIRST, FIRST.plusSeconds(90), null, null);
    }

    private static Incident resolved(Incident.Resolution resolution) {
        Incident open = open(1000, 4, 503);
        return new Incident(open.id(), KEY, Incident.State.RESOLVED, 503, open.detail(), open.accountManagerEmail(), 1000, 4,
                open.requestIds(), FIRST, FIRST.plusSeconds(90), FIRST.plusSeconds(120), resolution);
    }

    private static JsonNode json(Incident incident, Notice notice) {
        return JSON.valueToTree(WebhookEvent.of(incident, notice));
    }

    @Test
    void anOpenedIncidentIsATriggerWithItsDedupKeyAndCounts() {
        JsonNode event = json(open(1, 1, 503), Notice.OPENED);

        assertThat(event.path("dedup_key").asText()).isEqualTo("verity/acme/llm-cascade/llm_unavailable");
        assertThat(event.path("event_action").asText()).isEqualTo("trigger");
        JsonNode payload = event.path("payload");
        assertThat(payload.path("summary").asText())
                .isEqualTo("llm-cascade failing with llm_unavailable for organisation acme: 1 failed request of 1 user");
        assertThat(payload.path("source").asText()).isEqualTo("verity-gateway");
        assertThat(payload.path("severity").asText()).isEqualTo("critical");
        assertThat(payload.path("component").asText()).isEqualTo("llm-cascade");
        assertThat(payload.path("group").asText()).isEqualTo("acme");
        assertThat(payload.path("class").asText()).isEqualTo("llm_unavailable");
        assertThat(payload.path("timestamp").asText()).isEqualTo("2026-12-03T17:41:30Z");
        JsonNode details = payload.path("custom_details");
        assertThat(details.path("incident_id").asText()).isEqualTo("inc-1");
        assertThat(details.path("notice").asText()).isEqualTo("opened");
        assertThat(details.path("state").asText()).isEqualTo("open");
        assertThat(details.path("resolved_at").isNull()).isTrue();
        assertThat(details.path("escalation_references").toString()).isEqualTo("[\"ENT-req-1\",\"ENT-req-2\"]");
    }

    @Test
    void aReminderSaysItIsStillOpenAndSinceWhen() {
        JsonNode event = json(open(37, 3, 502), Notice.REMINDER);

        assertThat(event.path("event_action").asText()).isEqualTo("trigger");
        assertThat(event.path("payload").path("severity").asText()).as("not a 503: an error, not critical").isEqualTo("error");
        assertThat(event.path("payload").path("summary").asText())
                .isEqualTo("Still open: llm-cascade failing with llm_unavailable for organisation acme: 37 failed requests "
                        + "of 3 users since 2026-12-03T17:40:00Z");
        assertThat(event.path("payload").path("custom_details").path("notice").asText()).isEqualTo("reminder");
    }

    @Test
    void aResolvedIncidentIsAResolveOfTheSameKeyWithWhenAndWhy() {
        for (Incident.Resolution why : List.of(Incident.Resolution.SUCCESS, Incident.Resolution.QUIET_PERIOD)) {
            JsonNode event = json(resolved(why), Notice.RESOLVED);

            assertThat(event.path("dedup_key").asText()).isEqualTo(json(open(1, 1, 503), Notice.OPENED).path("dedup_key").asText());
            assertThat(event.path("event_action").asText()).isEqualTo("resolve");
            assertThat(event.path("payload").path("summary").asText()).isEqualTo("Resolved (" + why.wire()
                    + "): llm-cascade llm_unavailable for organisation acme after 1000 failed requests of 4 users");
            assertThat(event.path("payload").path("timestamp").asText()).isEqualTo("2026-12-03T17:42:00Z");
            JsonNode details = event.path("payload").path("custom_details");
            assertThat(details.path("resolution").asText()).isEqualTo(why.wire());
            assertThat(details.path("request_ids_total").asLong()).isEqualTo(1000);
            assertThat(details.path("affected_users").asInt()).isEqualTo(4);
        }
    }
}
