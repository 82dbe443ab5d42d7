package dev.verity.data.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verity.local.VerityTestResource;
import dev.verity.runtime.trace.TracingOn;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A usage event carrying the request's traceparent is ingested inside that trace. */
@QuarkusTest
@TestProfile(TracingOn.class)
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_data_test"), @ResourceArg(name = "redis-db", value = "2")})
class IngestSpansTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Inject
    RedisDataSource redis;

    @Inject
    InMemorySpanExporter spans;

    @Test
    void aStoredEventContinuesItsRequestsTrace() {
        String traceId = hex(32);
        String parent = hex(16);

        append(event("org-trace-" + hex(6)).put("traceparent", "00-" + traceId + "-" + parent + "-01"));

        SpanData ingest = awaitIngest(traceId);
        assertThat(ingest.getParentSpanId()).isEqualTo(parent);
        assertThat(ingest.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(ingest.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
    }

    @Test
    void aDeadLetteredEventIsAnErrorSpanInItsTrace() {
        String traceId = hex(32);
        ObjectNode bad = event("org-trace-" + hex(6)).put("traceparent", "00-" + traceId + "-" + hex(16) + "-01");
        bad.remove("model");

        append(bad);

        SpanData ingest = awaitIngest(traceId);
        assertThat(ingest.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(ingest.getStatus().getDescription()).contains("model");
    }

    @Test
    void anEventWithoutATraceparentStartsNoTrace() {
        int before = ingestSpans().size();
        String org = "org-untraced-" + hex(6);

        append(event(org));
        String marker = hex(32);
        append(event(org).put("traceparent", "00-" + marker + "-" + hex(16) + "-01"));

        // Entries are read in order: once the later, traced one is in, the untraced one was handled too.
        awaitIngest(marker);
        assertThat(ingestSpans()).hasSize(before + 1);
    }

    private SpanData awaitIngest(String traceId) {
        await().atMost(PATIENCE).until(() -> ingestSpans().stream().anyMatch(s -> s.getTraceId().equals(traceId)));
        return ingestSpans().stream().filter(s -> s.getTraceId().equals(traceId)).findFirst().orElseThrow();
    }

    private List<SpanData> ingestSpans() {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("usage ingest")).toList();
    }

    private void append(ObjectNode event) {
        redis.stream(String.class, String.class, String.class).xadd("verity:usage", Map.of("event", event.toString()));
    }

    private static ObjectNode event(String org) {
        ObjectNode node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        node.put("event_id", UUID.randomUUID().toString()).put("org_id", org).put("user_id", "u-trace")
                .put("request_id", UUID.randomUUID().toString()).put("model", "small").put("provider", "openai-compatible")
                .put("prompt_tokens", 10).put("completion_tokens", 5).put("cost_usd", 0.00001).put("latency_ms", 120)
                .put("outcome", "success").put("cache_hit", false).put("degraded", false)
                .put("created_at", Instant.now().toString());
        return node;
    }

    private static String hex(int length) {
        return UUID.randomUUID().toString().replace("-", "").repeat(2).substring(0, length);
    }
}
