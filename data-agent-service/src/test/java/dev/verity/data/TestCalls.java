package dev.verity.data;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/** Usage rows generated for a test, and the independent arithmetic the service must match. */
final class TestCalls {

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** One call as the test knows it; null tokens or cost mean "not reported". */
    record Call(String id, String model, String provider, Integer promptTokens, Integer completionTokens,
            BigDecimal costUsd, long latencyMs, String outcome, Instant createdAt) {

        ObjectNode json() {
            ObjectNode node = JSON.createObjectNode();
            node.put("id", id);
            node.put("request_id", "req-" + id);
            node.put("model", model);
            node.put("provider", provider);
            if (promptTokens != null) {
                node.put("prompt_tokens", promptTokens);
            }
            if (completionTokens != null) {
                node.put("completion_tokens", completionTokens);
            }
            if (costUsd != null) {
                node.put("cost_usd", costUsd);
            }
            node.put("latency_ms", latencyMs);
            node.put("outcome", outcome);
            node.put("created_at", createdAt.toString());
            return node;
        }

        /** The contract UsageEvent the cascade appends to verity:usage. */
        ObjectNode event(String orgId, String userId) {
            ObjectNode node = json();
            node.remove("id");
            node.put("event_id", id);
            node.put("org_id", orgId);
            node.put("user_id", userId);
            node.put("cache_hit", false);
            node.put("degraded", false);
            return node;
        }

        boolean failed() {
            return !"success".equals(outcome);
        }
    }

    private TestCalls() {
    }

    static String org(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Calls spread over the given hours after {@code from}, seeded so a failure can be replayed:
     * three models on two providers, some failures, some calls without tokens or cost.
     */
    static List<Call> generate(long seed, Instant from, int[] hours, int perHour) {
        Random random = new Random(seed);
        String[] models = {"small", "medium", "large"};
        List<Call> calls = new ArrayList<>();
        for (int hour : hours) {
            for (int i = 0; i < perHour; i++) {
                String model = models[random.nextInt(models.length)];
                String provider = model.equals("large") ? "provider-b" : "provider-a";
                boolean known = random.nextInt(10) != 0;
                int outcomeDraw = random.nextInt(10);
                String outcome = outcomeDraw < 7 ? "success" : outcomeDraw < 9 ? "error" : "timeout";
                Integer prompt = known ? 1 + random.nextInt(8000) : null;
                Integer completion = known ? random.nextInt(2000) : null;
                BigDecimal cost = random.nextInt(12) == 0 ? null
                        : BigDecimal.valueOf(random.nextInt(5_000_000), 9).add(BigDecimal.valueOf(random.nextInt(100), 4));
                calls.add(new Call(UUID.randomUUID().toString(), model, provider, prompt, completion, cost,
                        5 + random.nextInt(4000), outcome,
                        from.plusSeconds(hour * 3600L + random.nextInt(3600))));
            }
        }
        return calls;
    }

    static String batch(List<Call> calls) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode array = body.putArray("calls");
        calls.forEach(c -> array.add(c.json()));
        return body.toString();
    }

    static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    /** PostgreSQL's percentile_cont: linear interpolation between the two closest ranks. */
    static double percentileCont(List<Long> values, double fraction) {
        List<Long> sorted = values.stream().sorted().toList();
        double position = fraction * (sorted.size() - 1);
        int lower = (int) Math.floor(position);
        int upper = (int) Math.ceil(position);
        return sorted.get(lower) + (sorted.get(upper) - sorted.get(lower)) * (position - lower);
    }
}
