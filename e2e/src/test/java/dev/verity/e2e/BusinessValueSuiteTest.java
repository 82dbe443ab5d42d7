package dev.verity.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.e2e.VerityStack.Price;
import dev.verity.e2e.VerityStack.RecordedCall;
import dev.verity.local.TestUser;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Suite 4 of the test plan: what the product promises a paying customer. The cost analysis never
 * shows money that was not computed from the org's recorded calls and the configured prices; an
 * enterprise customer's failure opens a real, delivered support ticket while a free user of the
 * same failure gets their queue position and a status page that really answers.
 */
class BusinessValueSuiteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The data agent's prompt-size classes ("request shapes"), as its cost analysis basis describes them. */
    private static final long[] SHAPE_UPPER_BOUNDS = {1_000, 4_000, 16_000, 64_000};
    private static final List<String> MONEY_FIELDS =
            List.of("actual_usd", "by_model", "alternative_usd", "savings_usd", "routes", "calls_without_cost", "calls_repriced");
    private static VerityStack stack;

    @BeforeAll
    static void start() {
        stack = VerityStack.get();
    }

    @BeforeEach
    void clearFaults() {
        stack.provider().reset();
    }

    @AfterEach
    void modelsServeAgain() {
        stack.awaitModelsServe();
    }

    private static Http.Reply completion(String token, String model) {
        return Http.post(stack.gateway() + "/v1/chat/completions", token, """
                {"model":"%s","fallback":"deny","messages":[{"role":"user","content":"What did my calls cost?"}]}"""
                .formatted(model));
    }

    private static Http.Reply costAnalysis(String token, Instant from, Instant to, String alternative) {
        return Http.post(stack.gateway() + "/api/v1/cost-analysis", token,
                "{\"from\":\"%s\",\"to\":\"%s\",\"alternative\":%s}".formatted(from, to, alternative));
    }

    @Test
    void theCostAnalysisShowsOnlyMoneyComputedFromTheOrgsRecordedCalls() {
        TestUser user = Users.of("mid", Users.freshOrg("org-business-cost"));
        String token = Users.token(user);
        Instant from = Instant.now().minus(1, ChronoUnit.MINUTES);
        stack.provider().answers("small", "Most of your spend went to the large model.");
        stack.provider().answers("large", "Most of your spend went to the large model.");
        for (String model : List.of("small", "small", "small", "large", "large")) {
            Http.Reply answered = completion(token, model);
            assertThat(answered.status()).as(answered.body()).isEqualTo(200);
        }
        stack.provider().failsWith("small", 500, "{\"error\":{\"message\":\"internal\",\"type\":\"server_error\"}}");
        Http.Reply failed = completion(token, "small");
        assertThat(failed.status()).as(failed.body()).isEqualTo(502);
        // Every provider call, answered or failed, reaches the data agent through verity:usage.
        int providerCalls = stack.provider().requestsTo("small") + stack.provider().requestsTo("large");
        await().atMost(Duration.ofSeconds(30)).until(() -> stack.recordedCalls(user.orgId()).size() == providerCalls);
        List<RecordedCall> rows = stack.recordedCalls(user.orgId());
        Map<String, Price> prices = stack.prices();
        Instant to = Instant.now().plus(1, ChronoUnit.MINUTES);

        JsonNode cheapest = costAnalysis(token, from, to, "\"cheapest_successful\"").json();
        Price small = prices.get("small");
        JsonNode givenPrices = costAnalysis(token, from, to, """
                {"prices":{"large":{"input_usd_per_mtok":%s,"output_usd_per_mtok":%s}}}"""
                .formatted(small.inputUsdPerMtok(), small.outputUsdPerMtok())).json();

        // The cascade recorded what each answered call really cost at the configured prices.
        assertThat(rows).filteredOn(row -> row.outcome().equals("success")).hasSize(5)
                .allSatisfy(row -> assertThat(row.costUsd())
                        .isEqualByComparingTo(price(prices.get(row.model()), row.promptTokens(), row.completionTokens())));
        BigDecimal actual = rows.stream().map(RecordedCall::costUsd).filter(Objects::nonNull).reduce(BigDecimal.ZERO, BigDecimal::add);
        for (JsonNode analysis : List.of(cheapest, givenPrices)) {
            assertThat(analysis.path("calls_analysed").asLong()).isEqualTo(rows.size());
            assertThat(analysis.path("actual_usd").decimalValue()).isEqualByComparingTo(actual);
            assertSpendByModelIsTheRecordedSpend(analysis.path("by_model"), rows);
            assertThat(analysis.path("source").path("kind").asText()).isEqualTo("primary");
        }

        BigDecimal cheapestAlternative = cheapestSuccessful(rows, prices);
        assertThat(cheapest.path("alternative").asText()).isEqualTo("cheapest_successful");
        assertThat(cheapest.path("alternative_usd").decimalValue()).isEqualByComparingTo(money(cheapestAlternative));
        assertThat(cheapest.path("savings_usd").decimalValue()).isEqualByComparingTo(money(actual.subtract(cheapestAlternative)));
        // The large model's answers, re-priced at the small model's price, are the only saving.
        assertThat(cheapest.path("savings_usd").decimalValue()).isPositive();
        assertThat(cheapest.path("routes")).isNotEmpty().allSatisfy(route -> {
            List<RecordedCall> inShape = rows.stream().filter(BusinessValueSuiteTest::repriceable)
                    .filter(row -> shapeOf(row.promptTokens()) == shapeOf(route.path("prompt_tokens_from").asLong())).toList();
            assertThat(route.path("model").asText()).isEqualTo("small");
            assertThat(route.path("calls").asLong()).isEqualTo(inShape.size());
            assertThat(route.path("actual_usd").decimalValue())
                    .isEqualByComparingTo(inShape.stream().map(RecordedCall::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add));
            assertThat(route.path("alternative_usd").decimalValue()).isEqualByComparingTo(money(price(prices.get("small"),
                    inShape.stream().mapToInt(RecordedCall::promptTokens).sum(),
                    inShape.stream().mapToInt(RecordedCall::completionTokens).sum())));
        });

        BigDecimal givenAlternative = BigDecimal.ZERO;
        long repriced = 0;
        for (RecordedCall row : rows) {
            if (row.model().equals("large") && repriceable(row)) {
                givenAlternative = givenAlternative.add(price(small, row.promptTokens(), row.completionTokens()));
                repriced++;
            } else {
                givenAlternative = givenAlternative.add(Optional.ofNullable(row.costUsd()).orElse(BigDecimal.ZERO));
            }
        }
        assertThat(givenPrices.path("alternative").asText()).isEqualTo("given_prices");
        assertThat(givenPrices.path("calls_repriced").asLong()).isEqualTo(repriced).isEqualTo(2);
        assertThat(givenPrices.path("alternative_usd").decimalValue()).isEqualByComparingTo(money(givenAlternative));
        assertThat(givenPrices.path("savings_usd").decimalValue()).isEqualByComparingTo(money(actual.subtract(givenAlternative)));
    }

    @Test
    void anOrgWithNoRecordedCallsIsShownNoMoneyFiguresAtAll() {
        TestUser user = Users.of("mid", "org-business-no-calls");
        // Other orgs' calls of this hour (the suites') must not count for this one.
        Instant from = Instant.now().minus(1, ChronoUnit.HOURS);
        Instant to = Instant.now().plus(1, ChronoUnit.MINUTES);

        Http.Reply reply = costAnalysis(Users.token(user), from, to, "\"cheapest_successful\"");

        assertThat(stack.recordedCalls(user.orgId())).isEmpty();
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode analysis = reply.json();
        assertThat(analysis.path("calls_analysed").asLong()).isZero();
        assertThat(MONEY_FIELDS).allSatisfy(field -> assertThat(analysis.has(field)).as(field).isFalse());
        assertThat(analysis.path("basis").asText()).isNotBlank();
        List<String> numbers = new ArrayList<>();
        analysis.fields().forEachRemaining(field -> {
            if (field.getValue().isNumber() && !field.getKey().equals("calls_analysed")) {
                numbers.add(field.getKey());
            }
        });
        assertThat(numbers).as("numeric fields besides calls_analysed").isEmpty();
    }

    @Test
    void enterpriseGetsARealDeliveredTicketAndEscalationWhileFreeGetsQueueAndAWorkingStatusPage() throws Exception {
        Fault.SERVER_ERROR.applyTo(stack.provider(), "small");
        Fault.SERVER_ERROR.applyTo(stack.provider(), "large");
        stack.provider().acceptsSupportNotifications();
        // Incidents are per organisation: one of its own, so nothing earlier in the run is already open.
        String org = "org-business-tiers-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        TestUser enterprise = Users.of("enterprise", org);
        TestUser colleague = TestUser.of("e2e-enterprise-colleague-" + org, org, "enterprise");
        TestUser free = Users.of("free", org);

        Http.Reply forEnterprise = chat(Users.token(enterprise));
        Http.Reply forFree = chat(Users.token(free));

        JsonNode ent = forEnterprise.json();
        assertThat(forEnterprise.status()).as(forEnterprise.body()).isEqualTo(502);
        assertThat(ent.path("error_type").asText()).isEqualTo("llm_upstream_error");
        JsonNode entHandling = ent.path("tier_handling");
        assertThat(entHandling.path("enterprise_escalation").asBoolean()).isTrue();
        assertThat(entHandling.path("incident").asText()).isEqualTo("opened");
        String requestId = ent.path("error_context").path("request_id").asText();
        assertThat(entHandling.path("escalation_reference").asText()).isEqualTo("ENT-" + requestId);
        assertThat(entHandling.path("account_manager_email").asText()).isEqualTo(enterprise.accountManagerEmail());
        assertThat(entHandling.path("priority_queue_position").isInt()).isTrue();
        assertThat(entHandling.path("support_contact").asText()).isNotBlank();
        assertThat(entHandling.path("alternatives")).isNotEmpty();
        // The models failed: the OpenAI route, which needs them too, is not offered as an alternative.
        assertThat(entHandling.path("alternatives").toString()).doesNotContain("/v1/chat/completions");
        assertThat(entHandling.has("status_page_url")).isFalse();
        String ticket = entHandling.path("support_ticket_id").asText();
        assertThat(stack.supportTicketExists(ticket, requestId)).as("incident %s counts the request", ticket).isTrue();
        // Support is told, in the background, and the incident records the delivery.
        await().atMost(Duration.ofSeconds(30)).until(() -> stack.supportTicketNotified(ticket));

        // More failures of the organisation join the incident: no second incident, no second delivery.
        for (TestUser caller : List.of(colleague, enterprise, colleague)) {
            JsonNode joined = chat(Users.token(caller)).json().path("tier_handling");
            assertThat(joined.path("incident").asText()).isEqualTo("joined");
            assertThat(joined.path("support_ticket_id").asText()).isEqualTo(ticket);
        }
        assertThat(stack.incidentsOf(org)).isEqualTo(1);
        assertThat(stack.incidentState(ticket)).isEqualTo("open null 4");
        Http.Reply read = Http.get(stack.gateway() + "/api/v1/tickets/" + ticket, Users.token(colleague));
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.json().path("state").asText()).isEqualTo("open");
        assertThat(read.json().path("occurrences").asLong()).isEqualTo(4);
        assertThat(read.json().path("request_ids_total").asLong()).as("the colleague's own").isEqualTo(2);

        // The models answer again: the organisation's next success resolves it, and support is told once more.
        stack.provider().answers("small", "Your calls averaged 812 ms today.");
        stack.provider().answers("large", "Your calls averaged 812 ms today.");
        Http.Reply ok = chat(Users.token(colleague));
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> stack.incidentResolveNotified(ticket));
        assertThat(stack.incidentState(ticket)).isEqualTo("resolved success 4");

        // Support staff are told what the user was told: no upstream text, keys or stack frames either.
        List<JsonNode> notices = new ArrayList<>();
        for (String body : stack.provider().supportNotifications()) {
            assertThat(Scanner.violations(body)).as("support notification").isEmpty();
            JsonNode notice = JSON.readTree(body);
            if (org.equals(notice.path("payload").path("group").asText())) {
                notices.add(notice);
            }
        }
        assertThat(notices).extracting(n -> n.path("event_action").asText()).containsExactly("trigger", "resolve");
        for (JsonNode notice : notices) {
            assertThat(notice.path("dedup_key").asText())
                    .isEqualTo("verity/" + org + "/" + ent.path("service").asText() + "/llm_upstream_error");
            assertThat(notice.path("payload").path("custom_details").path("incident_id").asText()).isEqualTo(ticket);
        }
        assertThat(notices.getFirst().path("payload").path("custom_details").path("escalation_references").get(0).asText())
                .isEqualTo("ENT-" + requestId);
        assertThat(notices.getLast().path("payload").path("custom_details").path("occurrences").asLong()).isEqualTo(4);

        JsonNode freeProblem = forFree.json();
        JsonNode freeHandling = freeProblem.path("tier_handling");
        assertThat(forFree.status()).as(forFree.body()).isEqualTo(502);
        assertThat(freeProblem.path("error_type").asText()).isEqualTo("llm_upstream_error");
        assertThat(forFree.header("Retry-After")).isNotBlank();
        assertThat(freeHandling.path("enterprise_escalation").asBoolean()).isFalse();
        assertThat(freeHandling.path("queue_position").isInt()).isTrue();
        assertThat(freeHandling.has("support_ticket_id")).isFalse();
        assertThat(freeHandling.has("escalation_reference")).isFalse();
        assertThat(stack.supportTicketsFor(freeProblem.path("error_context").path("request_id").asText())).isZero();
        String statusPage = freeHandling.path("status_page_url").asText();
        assertThat(statusPage).isEqualTo(stack.gateway() + "/status");
        assertThat(freeHandling.path("next_steps")).isNotEmpty();
        assertThat(freeHandling.path("next_steps").toString()).contains("Retry after").contains(statusPage);
        // The link the user was given really answers with the status page.
        Http.Reply page = Http.get(statusPage, null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.body()).contains("Verity status").contains("llm-cascade").contains("data-agent");
    }

    private static Http.Reply chat(String token) {
        return Http.post(stack.gateway() + "/api/v1/chat", token, "{\"message\":\"How fast were my calls today?\"}",
                Http.deadlineIn(Duration.ofSeconds(20)));
    }

    private static void assertSpendByModelIsTheRecordedSpend(JsonNode byModel, List<RecordedCall> rows) {
        Map<String, List<RecordedCall>> recorded = new TreeMap<>();
        rows.forEach(row -> recorded.computeIfAbsent(row.model(), m -> new ArrayList<>()).add(row));
        assertThat(byModel).hasSize(recorded.size());
        for (JsonNode spend : byModel) {
            List<RecordedCall> calls = recorded.get(spend.path("model").asText());
            assertThat(calls).as("recorded calls of %s", spend.path("model").asText()).isNotNull();
            assertThat(spend.path("calls").asLong()).isEqualTo(calls.size());
            List<BigDecimal> costs = calls.stream().map(RecordedCall::costUsd).filter(Objects::nonNull).toList();
            if (costs.isEmpty()) {
                assertThat(spend.has("usd")).as("usd of a model without any recorded cost").isFalse();
            } else {
                assertThat(spend.path("usd").decimalValue())
                        .isEqualByComparingTo(costs.stream().reduce(BigDecimal.ZERO, BigDecimal::add));
            }
        }
    }

    /**
     * What the same calls would have cost if each prompt-size class had gone to the cheapest
     * configured-price model that answered a call of that class in the window, from the recorded
     * token counts; calls without a cost or token counts count at their recorded cost.
     */
    private static BigDecimal cheapestSuccessful(List<RecordedCall> rows, Map<String, Price> prices) {
        BigDecimal total = BigDecimal.ZERO;
        Map<Integer, List<RecordedCall>> byShape = new TreeMap<>();
        for (RecordedCall row : rows) {
            if (repriceable(row)) {
                byShape.computeIfAbsent(shapeOf(row.promptTokens()), s -> new ArrayList<>()).add(row);
            } else {
                total = total.add(Optional.ofNullable(row.costUsd()).orElse(BigDecimal.ZERO));
            }
        }
        for (Map.Entry<Integer, List<RecordedCall>> shape : byShape.entrySet()) {
            int prompt = shape.getValue().stream().mapToInt(RecordedCall::promptTokens).sum();
            int completion = shape.getValue().stream().mapToInt(RecordedCall::completionTokens).sum();
            Optional<BigDecimal> best = rows.stream()
                    .filter(row -> row.outcome().equals("success") && row.promptTokens() != null
                            && shapeOf(row.promptTokens()) == shape.getKey() && prices.containsKey(row.model()))
                    .map(RecordedCall::model).distinct()
                    .map(model -> price(prices.get(model), prompt, completion))
                    .min(BigDecimal::compareTo);
            total = total.add(best.orElseGet(() ->
                    shape.getValue().stream().map(RecordedCall::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add)));
        }
        return total;
    }

    private static boolean repriceable(RecordedCall row) {
        return row.costUsd() != null && row.promptTokens() != null && row.completionTokens() != null;
    }

    private static int shapeOf(long promptTokens) {
        for (int i = 0; i < SHAPE_UPPER_BOUNDS.length; i++) {
            if (promptTokens <= SHAPE_UPPER_BOUNDS[i]) {
                return i;
            }
        }
        return SHAPE_UPPER_BOUNDS.length;
    }

    private static BigDecimal price(Price price, long prompt, long completion) {
        return price.inputUsdPerMtok().multiply(BigDecimal.valueOf(prompt))
                .add(price.outputUsdPerMtok().multiply(BigDecimal.valueOf(completion)))
                .movePointLeft(6);
    }

    /** Money as the analysis states it: nine decimals. */
    private static BigDecimal money(BigDecimal value) {
        return value.setScale(9, RoundingMode.HALF_UP);
    }
}
