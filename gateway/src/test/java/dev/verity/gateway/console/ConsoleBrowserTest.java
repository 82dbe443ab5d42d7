package dev.verity.gateway.console;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.client.WireMock;
import dev.verity.contract.Services;
import dev.verity.gateway.DownstreamStandIns;
import dev.verity.gateway.status.StatusPoller;
import dev.verity.local.TestInfra;
import dev.verity.local.TestUser;
import dev.verity.local.VerityTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The console in headless chromium against the real gateway, with the execution agent, data agent
 * and cascade as WireMock stand-ins serving their internal shapes. What is asserted is what a person
 * sees on the page; screenshots of each state go to target/console-screenshots.
 */
@QuarkusTest
@WithTestResource(value = VerityTestResource.class, initArgs = {
        @ResourceArg(name = "database", value = "verity_gateway_console_test"), @ResourceArg(name = "redis-db", value = "6")})
@WithTestResource(DownstreamStandIns.class)
class ConsoleBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Map<String, String> PREFIX = Map.of(
            Services.LLM_CASCADE, DownstreamStandIns.CASCADE,
            Services.EXECUTION_AGENT, DownstreamStandIns.AGENT,
            Services.DATA_AGENT, DownstreamStandIns.DATA);

    private static ChromeDriver browser;

    @TestHTTPResource("/")
    URL console;

    @Inject
    StatusPoller poller;

    @Inject
    Pool pool;

    private WireMock standIns;

    @BeforeAll
    static void openBrowser() throws IOException {
        browser = Browser.start();
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @BeforeEach
    void everyServiceReady() {
        // Read here, not injected: an injection point would make every other test class's boot require it.
        standIns = new WireMock("localhost", ConfigProvider.getConfig().getValue("test.stand-ins.port", Integer.class));
        standIns.resetMappings();
        standIns.resetRequests();
        PREFIX.keySet().forEach(service -> status(service, "ready"));
        standIns.register(post(urlEqualTo(DownstreamStandIns.WEBHOOK)).willReturn(aResponse().withStatus(202)));
        poller.pollAll().await().atMost(WAIT);
    }

    // --- sign-in ---------------------------------------------------------------------------------

    @Test
    void aTokenInTheUrlFragmentSignsInOnceAndLeavesTheUrl() {
        TestUser user = user("mid");
        signIn(user);
        assertThat(text("whoami")).contains(user.userId()).contains("org-console").contains("mid");
        assertThat(browser.getCurrentUrl()).doesNotContain("token=");
        await().atMost(WAIT).until(() -> "open".equals(browser.findElement(By.id("socket-state")).getAttribute("data-state")));
        Browser.screenshot(browser, "signed-in", By.id("signin"));
    }

    @Test
    void aPastedTokenSignsIn() {
        TestUser user = user("early");
        open();
        browser.executeScript("sessionStorage.clear()");
        open();
        assertThat(text("whoami")).contains("Not signed in");
        browser.findElement(By.id("token")).sendKeys(TestInfra.get().tokens().mint(user));
        browser.findElement(By.cssSelector("#signin-form button")).click();
        assertThat(text("whoami")).contains(user.userId());
        await().atMost(WAIT).until(() -> "open".equals(browser.findElement(By.id("socket-state")).getAttribute("data-state")));
    }

    // --- chat ------------------------------------------------------------------------------------

    @Test
    void aQuestionShowsTheToolStepsAndTheAgentsAnswerWithItsProvenance() {
        TestUser user = user("mid");
        String answer = "Your p95 latency today was 812 ms over 41 calls.";
        agentStreams("latency-question", user, List.of(
                event("agent_started", "{}"),
                event("agent_thinking", "{\"model\":\"small\"}"),
                event("tool_executing", "{\"tool\":\"metrics_query\"}"),
                event("tool_completed", "{\"tool\":\"metrics_query\",\"summary\":\"24 hourly buckets, 41 calls\"}"),
                event("agent_thinking", "{\"model\":\"small\"}"),
                event("agent_completed", dev.verity.gateway.TestReceipts.signedCompletion("{\"response\":\"" + answer + "\",\"provenance\":{\"model\":\"small\","
                        + "\"provider\":\"openai-compatible\",\"provider_request_id\":\"chatcmpl-1\",\"produced_at\":\"2026-11-25T07:00:00Z\","
                        + "\"degraded\":false,\"cache_hit\":false,\"attempts\":[],\"total_cost_usd\":0.00021,\"latency_ms\":812}}"))));
        signIn(user);
        ask("latency-question: how fast were my calls today?");

        WebElement run = awaitRunEnded();
        assertThat(run.getAttribute("data-state")).isEqualTo("completed");
        assertThat(run.findElement(By.cssSelector(".answer")).getText()).isEqualTo(answer);
        assertThat(run.findElement(By.cssSelector("dd.model")).getText()).isEqualTo("small");
        assertThat(run.findElement(By.cssSelector("dd.degraded")).getText()).startsWith("no");
        assertThat(run.findElement(By.cssSelector("dd.cost")).getText()).isEqualTo("$0.000210");
        assertThat(run.findElement(By.cssSelector("dd.latency")).getText()).isEqualTo("812 ms");
        assertThat(run.findElement(By.cssSelector("dd.cache-hit")).getText()).isEqualTo("no");
        assertThat(run.findElement(By.cssSelector(".tool-completed")).getText())
                .contains("metrics_query").contains("24 hourly buckets, 41 calls");
        assertThat(run.findElements(By.cssSelector(".problem"))).isEmpty();
        Browser.screenshot(browser, "answer-with-provenance", By.id("chat"));
    }

    @Test
    void streamedDeltasShowWhileTheRunIsStillGoingAndTheFinalAnswerReplacesThem() {
        TestUser user = user("mid");
        String answer = "Spend was 0.42 USD, mostly on model large.";
        agentStreamsSlowly("delta-question", user, List.of(
                event("agent_started", "{}"),
                event("agent_thinking", "{\"model\":\"large\",\"delta\":\"Spend was \"}"),
                event("agent_thinking", "{\"model\":\"large\",\"delta\":\"0.42 USD\"}"),
                event("agent_thinking", "{\"model\":\"large\",\"delta\":\", mostly on model large.\"}"),
                event("agent_completed", dev.verity.gateway.TestReceipts.signedCompletion("{\"response\":\"" + answer + "\",\"provenance\":{\"model\":\"large\","
                        + "\"provider\":\"openai-compatible\",\"provider_request_id\":\"chatcmpl-2\",\"produced_at\":\"2026-11-25T07:00:00Z\","
                        + "\"degraded\":true,\"cache_hit\":true,\"attempts\":[],\"total_cost_usd\":0.0042,\"latency_ms\":1500,"
                        + "\"selection_reasoning\":\"" + "direct call after cascade failure; ".repeat(40) + "\"}}"))));
        signIn(user);
        ask("delta-question: what did I spend?");

        await().atMost(WAIT).until(() -> {
            List<WebElement> forming = browser.findElements(By.cssSelector("#runs li.run[data-state='running'] .forming"));
            return !forming.isEmpty() && forming.getFirst().getText().startsWith("Spend was");
        });
        Browser.screenshot(browser, "answer-forming", By.id("chat"));
        WebElement run = awaitRunEnded();
        assertThat(run.getAttribute("data-state")).isEqualTo("completed");
        assertThat(run.findElements(By.cssSelector(".forming"))).isEmpty();
        assertThat(run.findElement(By.cssSelector(".answer")).getText()).isEqualTo(answer);
        assertThat(run.findElement(By.cssSelector("dd.model")).getText()).isEqualTo("large");
        assertThat(run.findElement(By.cssSelector("dd.degraded")).getText()).startsWith("yes");
        assertThat(run.findElement(By.cssSelector("dd.cache-hit")).getText()).isEqualTo("yes");
    }

    @Test
    void aSupersededAttemptIsFoldedStruckThroughWithItsReasonAndTheEscalatedAnswerFormsAfresh() {
        TestUser user = user("mid");
        String truncated = "Lyon has about";
        String answer = "Lyon has about 520,000 inhabitants.";
        String reason = "finish_reason=length (truncated) (quality 0.30 < 0.70)";
        agentStreamsSlowly("superseded-question", user, List.of(
                event("agent_started", "{}"),
                event("agent_thinking", "{\"step\":1,\"model\":\"auto\"}"),
                event("agent_thinking", "{\"model\":\"small\",\"delta\":\"Lyon has \",\"step\":1,\"attempt\":1}"),
                event("agent_thinking", "{\"model\":\"small\",\"delta\":\"about\",\"step\":1,\"attempt\":1}"),
                event("agent_thinking", "{\"step\":1,\"model\":\"large\",\"attempt\":2,\"superseded\":{\"attempt\":1,"
                        + "\"model\":\"small\",\"reason\":\"" + reason + "\",\"quality_score\":0.3}}"),
                event("agent_thinking", "{\"model\":\"large\",\"delta\":\"Lyon has about \",\"step\":1,\"attempt\":2}"),
                event("agent_thinking", "{\"model\":\"large\",\"delta\":\"520,000 inhabitants.\",\"step\":1,\"attempt\":2}"),
                event("agent_completed", dev.verity.gateway.TestReceipts.signedCompletion("{\"response\":\"" + answer + "\",\"provenance\":{\"model\":\"large\","
                        + "\"provider\":\"openai-compatible\",\"provider_request_id\":\"chatcmpl-3\",\"produced_at\":\"2026-11-25T07:00:00Z\","
                        + "\"degraded\":false,\"cache_hit\":false,\"attempts\":[{\"model\":\"small\",\"outcome\":\"low_quality\","
                        + "\"latency_ms\":90,\"quality_score\":0.3,\"reason\":\"" + reason + "\"},{\"model\":\"large\","
                        + "\"outcome\":\"success\",\"latency_ms\":400}],\"total_cost_usd\":0.000371,\"latency_ms\":520}}"))));
        signIn(user);
        ask("superseded-question: how many people live in Lyon?");

        // While the run still goes: the replaced attempt is folded away under its reason, struck through.
        await().atMost(WAIT).until(() -> !browser.findElements(
                By.cssSelector("#runs li.run[data-state='running'] details.superseded")).isEmpty());
        WebElement folded = browser.findElement(By.cssSelector("#runs li.run details.superseded"));
        assertThat(folded.getAttribute("open")).as("folded until the user opens it").isNull();
        assertThat(folded.getAttribute("data-model")).isEqualTo("small");
        assertThat(folded.findElement(By.tagName("summary")).getText())
                .isEqualTo("Attempt 1 by model small was replaced by model large: " + reason);
        folded.findElement(By.tagName("summary")).click();
        WebElement struck = folded.findElement(By.cssSelector("s.superseded-text"));
        assertThat(struck.getText()).isEqualTo(truncated);
        assertThat(struck.getCssValue("text-decoration-line")).isEqualTo("line-through");
        Browser.screenshot(browser, "attempt-superseded", By.id("chat"));
        WebElement run = awaitRunEnded();
        assertThat(run.getAttribute("data-state")).isEqualTo("completed");
        // The answer is the escalated one alone, never the replaced text joined to it.
        assertThat(run.findElement(By.cssSelector(".answer")).getText()).isEqualTo(answer);
        assertThat(run.findElement(By.cssSelector("dd.model")).getText()).isEqualTo("large");
        assertThat(run.findElements(By.cssSelector("details.superseded"))).hasSize(1);
    }

    @Test
    void aProviderFailureShowsTheProblemDetailAndRetryCountdownAndNoAnswer() {
        TestUser user = user("enterprise");
        agentStreams("provider-down", user, List.of(
                event("agent_started", "{}"),
                event("agent_thinking", "{\"model\":\"small\"}"),
                event("agent_failed", "{\"problem\":{\"type\":\"urn:verity:problem:llm-unavailable\","
                        + "\"title\":\"LLM services temporarily unavailable\",\"status\":503,"
                        + "\"detail\":\"No configured model answered within the deadline.\",\"error_type\":\"llm_unavailable\","
                        + "\"service\":\"llm-cascade\",\"retryable\":true,\"retry_after_seconds\":30}}")));
        signIn(user);
        ask("provider-down: what did I spend?");

        WebElement run = awaitRunEnded();
        assertThat(run.getAttribute("data-state")).isEqualTo("failed");
        assertThat(run.findElement(By.cssSelector(".problem-detail")).getText())
                .isEqualTo("No configured model answered within the deadline.");
        assertThat(run.findElement(By.cssSelector(".retry-after")).getText()).matches("You can retry in \\d+ s\\.");
        assertThat(run.findElements(By.cssSelector(".answer"))).isEmpty();
        Browser.screenshot(browser, "provider-failure", By.id("chat"));
    }

    @Test
    void anAgentThatCannotBeReachedEndsTheRunWithTheGatewaysProblem() {
        TestUser user = user("free");
        standIns.register(post(urlEqualTo(DownstreamStandIns.AGENT + "/v1/runs"))
                .withRequestBody(containing("agent-gone"))
                .willReturn(aResponse().withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
        signIn(user);
        ask("agent-gone: anything");

        WebElement run = awaitRunEnded();
        assertThat(run.getAttribute("data-state")).isEqualTo("failed");
        assertThat(run.findElement(By.cssSelector(".problem-detail")).getText())
                .isEqualTo("The execution agent could not be reached or stopped answering.");
        assertThat(run.findElements(By.cssSelector(".answer"))).isEmpty();
        Browser.screenshot(browser, "agent-unreachable", By.id("chat"));
    }

    // --- tier handling -----------------------------------------------------------------------------
    // Runs started from the page go over the socket; their agent_failed carries the tier handling the
    // gateway added (SocketRuns through the TierHandler), ticket and all.

    @Test
    void anEnterpriseFailureShowsTheStoredTicketAndEscalationReferenceAndNoAnswer() {
        // An organisation of its own: incidents are per organisation, and this failure must open one.
        TestUser user = TestUser.of("u-console-" + UUID.randomUUID().toString().substring(0, 8),
                "org-console-" + UUID.randomUUID().toString().substring(0, 8), "enterprise");
        agentStreams("enterprise-down", user, List.of(
                event("agent_started", "{}"),
                event("agent_thinking", "{\"model\":\"small\"}"),
                event("agent_failed", "{\"problem\":{\"type\":\"urn:verity:problem:llm-unavailable\","
                        + "\"title\":\"LLM services temporarily unavailable\",\"status\":503,"
                        + "\"detail\":\"No configured model answered within the deadline.\",\"error_type\":\"llm_unavailable\","
                        + "\"service\":\"llm-cascade\",\"retryable\":true,\"retry_after_seconds\":30}}")));
        signIn(user);
        ask("enterprise-down: how fast?");

        WebElement run = awaitRunEnded();
        assertThat(run.getAttribute("data-state")).isEqualTo("failed");
        assertThat(run.findElement(By.cssSelector(".problem-detail")).getText()).isEqualTo("No configured model answered within the deadline.");
        String ticket = run.findElement(By.cssSelector("dd.ticket-id")).getText();
        assertThat(ticket).isNotBlank();
        assertThat(ticketStored(ticket)).isTrue();
        assertThat(run.findElement(By.cssSelector("dd.escalation-reference")).getText()).startsWith("ENT-");
        assertThat(run.findElement(By.cssSelector("dd.incident")).getText()).isEqualTo("opened by this request; support is being told");
        assertThat(run.findElement(By.cssSelector(".retry-after")).getText()).matches("You can retry in \\d+ s\\.");
        assertThat(run.findElements(By.cssSelector(".answer"))).isEmpty();
        Browser.screenshot(browser, "enterprise-failure-ticket", By.id("chat"));
    }

    @Test
    void aFreeUsersFailureShowsQueuePositionAndTheStatusLink() {
        TestUser user = user("free");
        agentRefuses("free-down", user);
        signIn(user);
        ask("free-down: how fast?");

        WebElement run = awaitRunEnded();
        assertThat(run.getAttribute("data-state")).isEqualTo("failed");
        assertThat(run.findElement(By.cssSelector("dd.queue-position")).getText()).isEqualTo("1");
        WebElement link = run.findElement(By.cssSelector("a.status-link"));
        assertThat(link.getAttribute("href")).isEqualTo("http://gateway.test/status");
        assertThat(run.findElements(By.cssSelector("dd.ticket-id"))).isEmpty();
        assertThat(run.findElements(By.cssSelector(".answer"))).isEmpty();
        Browser.screenshot(browser, "free-failure-queue", By.id("chat"));
    }

    // --- status board ----------------------------------------------------------------------------

    @Test
    void aServiceThatBecomesUnavailableTurnsItsTileAndBack() {
        signIn(user("mid"));
        await().atMost(WAIT).until(() -> tileState(Services.DATA_AGENT).equals("ready"));

        status(Services.DATA_AGENT, "unavailable");
        poller.pollAll().await().atMost(WAIT);
        await().atMost(WAIT).until(() -> tileState(Services.DATA_AGENT).equals("unavailable"));
        assertThat(tileText(Services.DATA_AGENT)).contains("test says unavailable");
        await().atMost(WAIT).until(() -> tileText(Services.DATA_AGENT).contains("redis: down (connection refused)"));
        assertThat(text("changes")).contains(Services.DATA_AGENT + " ready → unavailable");
        Browser.screenshot(browser, "status-unavailable", By.id("status"));

        status(Services.DATA_AGENT, "ready");
        poller.pollAll().await().atMost(WAIT);
        await().atMost(WAIT).until(() -> tileState(Services.DATA_AGENT).equals("ready"));
        assertThat(text("changes")).contains(Services.DATA_AGENT + " unavailable → ready");
        Browser.screenshot(browser, "status-recovered", By.id("status"));
    }

    @Test
    void anAgentsMidRunServiceEventWithoutAStatusFieldShowsTheStateItsTypeNamesNeverUndefined() {
        TestUser user = user("mid");
        agentStreams("degraded-midway", user, List.of(
                event("agent_started", "{}"),
                // As the execution agent emits it: service, reason and impact, no status field.
                event("service_degraded", "{\"service\":\"llm-cascade\",\"reason\":\"model small failed\","
                        + "\"impact\":\"answers may come from another model\"}"),
                event("agent_completed", dev.verity.gateway.TestReceipts.signedCompletion("{\"response\":\"Fine.\",\"provenance\":{\"model\":\"large\","
                        + "\"provider\":\"openai-compatible\",\"provider_request_id\":\"chatcmpl-2\",\"produced_at\":\"2026-11-25T07:00:00Z\","
                        + "\"degraded\":true,\"cache_hit\":false,\"attempts\":[],\"latency_ms\":90}}"))));
        signIn(user);
        await().atMost(WAIT).until(() -> tileState(Services.LLM_CASCADE).equals("ready"));
        ask("degraded-midway: anything?");

        awaitRunEnded();
        await().atMost(WAIT).until(() -> text("changes").contains(Services.LLM_CASCADE + " ready → degraded"));
        assertThat(text("changes")).contains("(model small failed)").doesNotContain("undefined");
        Browser.screenshot(browser, "status-change-from-run", By.id("status"));
    }

    // --- usage -----------------------------------------------------------------------------------

    @Test
    void anOrgWithNoRecordedCallsIsToldThereIsNothingToShowAndNoChartIsDrawn() {
        standIns.register(post(urlEqualTo(DownstreamStandIns.DATA + "/v1/metrics/query")).willReturn(json(dev.verity.gateway.TestReceipts.signedData("""
                {"series":[],"empty_buckets":["2026-11-24T08:00:00Z","2026-11-24T09:00:00Z"],
                 "source":{"kind":"primary","as_of":"2026-11-25T08:00:00Z","freshness_seconds":0,"degraded":false}}""", "/v1/metrics/query"))));
        standIns.register(post(urlEqualTo(DownstreamStandIns.DATA + "/v1/cost-analysis")).willReturn(json(dev.verity.gateway.TestReceipts.signedData("""
                {"calls_analysed":0,"by_model":[],"basis":"no recorded calls",
                 "source":{"kind":"primary","as_of":"2026-11-25T08:00:00Z","freshness_seconds":0,"degraded":false}}""", "/v1/cost-analysis"))));
        signIn(user("mid"));
        browser.findElement(By.id("usage-load")).click();
        await().atMost(WAIT).until(() -> "loaded".equals(browser.findElement(By.id("usage-result")).getAttribute("data-state")));

        assertThat(browser.findElement(By.cssSelector("#usage-result .metrics .nothing")).getText()).startsWith("Nothing to show");
        assertThat(browser.findElement(By.cssSelector("#usage-result .cost .nothing")).getText()).startsWith("Nothing to show");
        assertThat(browser.findElements(By.cssSelector("#usage-result canvas, #usage-result figure, #usage-result table"))).isEmpty();
        assertThat(text("usage-result")).doesNotContain("$0");
        Browser.screenshot(browser, "usage-nothing-to-show", By.id("usage"));
    }

    @Test
    void rejectedCallsAreShownAsIncompleteCoverageNextToTheFigures() {
        standIns.register(post(urlEqualTo(DownstreamStandIns.DATA + "/v1/metrics/query")).willReturn(json(dev.verity.gateway.TestReceipts.signedData("""
                {"series":[
                  {"metric":"cost_usd","group":"small","buckets":[
                    {"start":"2026-11-25T06:00:00Z","count":3,"value":0.000031500000}]}],
                 "empty_buckets":[],"coverage":{"calls_recorded":3,"calls_rejected":2},"degraded":true,
                 "source":{"kind":"primary","as_of":"2026-11-25T08:10:00Z","freshness_seconds":0,"degraded":false}}""", "/v1/metrics/query"))));
        standIns.register(post(urlEqualTo(DownstreamStandIns.DATA + "/v1/cost-analysis")).willReturn(json(dev.verity.gateway.TestReceipts.signedData("""
                {"calls_analysed":3,"actual_usd":0.000031500000,"by_model":[{"model":"small","calls":3,"usd":0.000031500000}],
                 "basis":"3 recorded calls","coverage":{"calls_recorded":3,"calls_rejected":0},"degraded":false,
                 "source":{"kind":"primary","as_of":"2026-11-25T08:10:00Z","freshness_seconds":0,"degraded":false}}""", "/v1/cost-analysis"))));
        signIn(user("mid"));
        browser.findElement(By.id("usage-load")).click();
        await().atMost(WAIT).until(() -> "loaded".equals(browser.findElement(By.id("usage-result")).getAttribute("data-state")));

        assertThat(browser.findElement(By.cssSelector("#usage-result .metrics .coverage.degraded")).getText())
                .isEqualTo("Coverage: 3 calls recorded, 2 rejected at ingestion — these figures are incomplete.");
        assertThat(browser.findElement(By.cssSelector("#usage-result .cost .coverage")).getText())
                .isEqualTo("Coverage: 3 calls recorded, none rejected.");
        assertThat(browser.findElements(By.cssSelector("#usage-result .cost .coverage.degraded"))).isEmpty();
        Browser.screenshot(browser, "usage-incomplete-coverage", By.id("usage"));
    }

    @Test
    void aCachedUsageResultShowsItsAgeAndEmptyBucketsStayGaps() {
        standIns.register(post(urlEqualTo(DownstreamStandIns.DATA + "/v1/metrics/query")).willReturn(json(dev.verity.gateway.TestReceipts.signedData("""
                {"series":[
                  {"metric":"latency_ms","group":"small","buckets":[
                    {"start":"2026-11-25T06:00:00Z","count":3,"p50":400,"p95":800,"p99":900},
                    {"start":"2026-11-25T08:00:00Z","count":2,"p50":420,"p95":820,"p99":910}]},
                  {"metric":"error_rate","group":"small","buckets":[
                    {"start":"2026-11-25T06:00:00Z","count":3,"value":0.0},
                    {"start":"2026-11-25T08:00:00Z","count":2,"value":0.5}]},
                  {"metric":"cost_usd","group":"small","buckets":[
                    {"start":"2026-11-25T06:00:00Z","count":3,"value":0.0003},
                    {"start":"2026-11-25T08:00:00Z","count":2,"value":0.0002}]}],
                 "empty_buckets":["2026-11-25T07:00:00Z"],
                 "source":{"kind":"cache","as_of":"2026-11-25T08:10:00Z","freshness_seconds":420,"degraded":true}}""", "/v1/metrics/query"))));
        standIns.register(post(urlEqualTo(DownstreamStandIns.DATA + "/v1/cost-analysis")).willReturn(json(dev.verity.gateway.TestReceipts.signedData("""
                {"calls_analysed":5,"actual_usd":0.0005,"by_model":[{"model":"small","calls":5,"usd":0.0005}],
                 "alternative_usd":0.0004,"savings_usd":0.0001,"basis":"cheapest_successful",
                 "source":{"kind":"primary","as_of":"2026-11-25T08:10:00Z","freshness_seconds":0,"degraded":false}}""", "/v1/cost-analysis"))));
        signIn(user("mid"));
        browser.findElement(By.id("usage-load")).click();
        await().atMost(WAIT).until(() -> "loaded".equals(browser.findElement(By.id("usage-result")).getAttribute("data-state")));

        assertThat(browser.findElement(By.cssSelector("#usage-result .metrics .source.degraded")).getText())
                .contains("Cached result, 420 s old");
        assertThat(browser.findElements(By.cssSelector("#usage-result figure.chart canvas"))).hasSize(4);
        // The 07:00 bucket had no calls: each chart holds null there (a gap in the line), never 0.
        @SuppressWarnings("unchecked")
        List<List<Object>> plotted = (List<List<Object>>) browser.executeScript("""
                return Array.from(document.querySelectorAll('#usage-result figure.chart'))
                  .map(f => f.plot.data[1]);""");
        assertThat(plotted).hasSize(4).allSatisfy(values -> {
            assertThat(values).hasSize(3);
            assertThat(values.get(0)).isNotNull();
            assertThat(values.get(1)).isNull();
            assertThat(values.get(2)).isNotNull();
        });
        assertThat(plotted.get(0)).containsExactly(800L, null, 820L);
        assertThat(browser.findElement(By.cssSelector("#usage-result .cost table")).getText()).contains("small").contains("5");
        Browser.screenshot(browser, "usage-cached-with-gap", By.id("usage"));
    }

    @Test
    void aDataAgentThatIsDownGivesTheGatewaysProblemInTheUsagePaneAndNoChart() {
        TestUser user = user("mid");
        status(Services.DATA_AGENT, "unavailable");
        poller.pollAll().await().atMost(WAIT);
        String detail = given().auth().oauth2(TestInfra.get().tokens().mint(user)).contentType(ContentType.JSON)
                .body("""
                        {"metrics":["latency_ms"],"from":"2026-11-24T08:00:00Z","to":"2026-11-25T08:00:00Z","bucket":"PT1H"}""")
                .post("/api/v1/metrics/query")
                .then().statusCode(503).extract().jsonPath().getString("detail");
        assertThat(detail).isNotBlank();

        signIn(user);
        browser.findElement(By.id("usage-load")).click();
        await().atMost(WAIT).until(() -> "loaded".equals(browser.findElement(By.id("usage-result")).getAttribute("data-state")));
        List<WebElement> problems = browser.findElements(By.cssSelector("#usage-result .problem"));
        assertThat(problems).hasSize(2);
        assertThat(problems.getFirst().getText()).isEqualTo(detail);
        assertThat(browser.findElements(By.cssSelector("#usage-result canvas, #usage-result figure, #usage-result table"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("#usage-result .nothing"))).isEmpty();
        Browser.screenshot(browser, "usage-data-agent-down", By.id("usage"));
    }

    // --- helpers ---------------------------------------------------------------------------------

    private void agentRefuses(String marker, TestUser user) {
        standIns.register(post(urlEqualTo(DownstreamStandIns.AGENT + "/v1/runs"))
                .withRequestBody(containing(marker))
                .willReturn(aResponse().withStatus(503).withHeader("Content-Type", "application/problem+json").withBody("""
                        {"type":"urn:verity:problem:llm-unavailable","title":"LLM services temporarily unavailable","status":503,
                         "detail":"No configured model answered within the deadline.","error_type":"llm_unavailable",
                         "service":"llm-cascade","retryable":true,"retry_after_seconds":30}""")));
    }

    private boolean ticketStored(String id) {
        return pool.preparedQuery("SELECT id FROM gateway.incidents WHERE id = $1").execute(Tuple.of(id))
                .await().atMost(WAIT).size() == 1;
    }

    private static TestUser user(String tier) {
        return TestUser.of("u-console-" + UUID.randomUUID().toString().substring(0, 8), "org-console", tier);
    }

    private void open() {
        browser.get("about:blank");
        browser.get(console.toString());
    }

    private void signIn(TestUser user) {
        browser.get("about:blank");
        browser.get(console + "#token=" + TestInfra.get().tokens().mint(user));
        await().atMost(WAIT).until(() -> text("whoami").contains(user.userId()));
        await().atMost(WAIT).until(() -> "open".equals(browser.findElement(By.id("socket-state")).getAttribute("data-state")));
    }

    private void ask(String question) {
        browser.findElement(By.id("message")).sendKeys(question);
        browser.findElement(By.id("send")).click();
    }

    private WebElement awaitRunEnded() {
        await().atMost(WAIT).until(() -> {
            List<WebElement> runs = browser.findElements(By.cssSelector("#runs li.run[data-state]"));
            return !runs.isEmpty() && !"running".equals(runs.getFirst().getAttribute("data-state"));
        });
        return browser.findElements(By.cssSelector("#runs li.run[data-state]")).getFirst();
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    /** Read in one script: the board re-renders on every status event, so held elements go stale. */
    private String tileText(String service) {
        Object text = browser.executeScript("const t = document.querySelector(\"#tiles li[data-service='\" + arguments[0] + \"']\");"
                + " return t ? t.innerText : '';", service);
        return String.valueOf(text);
    }

    private String tileState(String service) {
        Object text = browser.executeScript("const t = document.querySelector(\"#tiles li[data-service='\" + arguments[0] + \"'] .state\");"
                + " return t ? t.textContent : '';", service);
        return String.valueOf(text);
    }

    private void status(String service, String state) {
        standIns.register(get(urlEqualTo(PREFIX.get(service) + "/v1/status")).willReturn(json("""
                {"service":"%s","status":"%s","reason":%s,"since":"2026-11-25T07:00:00Z","components":{"redis":%s}}"""
                .formatted(service, state, "ready".equals(state) ? "null" : "\"test says " + state + "\"",
                        "ready".equals(state) ? "{\"state\":\"up\"}" : "{\"state\":\"down\",\"detail\":\"connection refused\"}"))));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
    }

    private static String[] event(String type, String data) {
        return new String[] {type, data};
    }

    private void agentStreams(String marker, TestUser user, List<String[]> events) {
        agentStreams(marker, user, events, false);
    }

    /** The same stream in chunks over four seconds: the last event arrives well after the first ones. */
    private void agentStreamsSlowly(String marker, TestUser user, List<String[]> events) {
        agentStreams(marker, user, events, true);
    }

    /** The agent's SSE stream of contract events for the gateway's request id, as the real agent streams a run. */
    private void agentStreams(String marker, TestUser user, List<String[]> events, boolean slowly) {
        StringBuilder body = new StringBuilder();
        int seq = 0;
        for (String[] event : events) {
            body.append("data: {\"type\":\"").append(event[0]).append('"');
            // Like the real agent asked by the gateway: its agent_failed is logged by the gateway, not here.
            if (!event[0].equals("agent_failed")) {
                body.append(",\"event_id\":\"1764054000000-").append(seq).append('"');
            }
            seq++;
            body.append(",\"request_id\":\"{{request.headers.X-Request-Id}}\",\"user_id\":\"").append(user.userId())
                    .append("\",\"timestamp\":\"2026-11-25T07:00:00Z\",\"service\":\"execution-agent\",\"data\":")
                    .append(event[1]).append("}\n\n");
        }
        standIns.register(post(urlEqualTo(DownstreamStandIns.AGENT + "/v1/runs"))
                .withRequestBody(containing(marker))
                .willReturn(aResponse().withStatus(200)
                        .withHeader("Content-Type", "text/event-stream")
                        .withBody(body.toString())
                        .withChunkedDribbleDelay(slowly ? 8 : 1, slowly ? 4000 : 0)
                        .withTransformers("response-template")));
    }
}
