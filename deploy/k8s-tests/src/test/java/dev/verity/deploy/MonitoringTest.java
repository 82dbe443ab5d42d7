package dev.verity.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.verity.local.ServiceProcess;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/monitoring as kustomize renders it: the PrometheusRule and the Grafana dashboard
 * ConfigMap. Every alert links a runbook section that exists in docs/operations.md, and every
 * metric an alert or a panel queries is one the services export (read from their sources) or one
 * the platform provides (Quarkus' HTTP server metrics, kube-state-metrics).
 */
class MonitoringTest {

    static final Path ROOT = ServiceProcess.repoRoot();
    static final Set<String> REQUIRED_ALERTS = Set.of("VerityAllModelsFailing", "VerityModelBreakerOpen",
            "VerityUsageDeadLetters", "VerityUsageLag", "VerityReadinessFlapping");
    /** Not Verity's own meters: Quarkus' HTTP server timer, and kube-state-metrics' pod readiness. */
    static final Set<String> PLATFORM_METRICS = Set.of("http_server_requests", "kube_pod_status_ready");
    static final Pattern METER_NAME = Pattern.compile("\"((?:verity|gen_ai)\\.[a-z0-9_.]+)\"");
    static final Pattern METRIC = Pattern.compile("\\b([a-z_][a-z0-9_]*_[a-z0-9_]+)\\b");

    static List<KubernetesResource> rendered;
    static Set<String> exported;

    @BeforeAll
    static void render() throws IOException {
        String yaml = Rendering.kustomize(ROOT.resolve("deploy/monitoring"));
        rendered = new ArrayList<>();
        for (String document : yaml.split("(?m)^---\\s*$")) {
            if (!document.isBlank()) {
                rendered.add(Serialization.unmarshal(document));
            }
        }
        exported = new TreeSet<>();
        for (String module : List.of("service-runtime", "gateway", "llm-cascade-service", "execution-agent-service",
                "data-agent-service")) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    Matcher matcher = METER_NAME.matcher(Files.readString(file));
                    while (matcher.find()) {
                        exported.add(matcher.group(1).replace('.', '_'));
                    }
                }
            }
        }
    }

    @Test
    void theRuleIsAPrometheusRuleWithEveryRequiredAlert() {
        GenericKubernetesResource rule = prometheusRule();
        assertThat(rule.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.getMetadata().getNamespace()).isEqualTo("verity");
        assertThat(alerts()).extracting(a -> (String) a.get("alert")).containsAll(REQUIRED_ALERTS).doesNotHaveDuplicates();
        assertThat(alerts()).allSatisfy(alert -> {
            assertThat((String) alert.get("expr")).as("%s expr", alert.get("alert")).isNotBlank();
            assertThat(labels(alert, "labels")).as("%s severity", alert.get("alert")).containsKey("severity");
            assertThat(labels(alert, "annotations")).as("%s annotations", alert.get("alert"))
                    .containsKeys("summary", "description", "runbook_url");
        });
    }

    @Test
    void theBreakerAlertWaitsFiveMinutes() {
        Map<String, Object> breaker = alerts().stream().filter(a -> "VerityModelBreakerOpen".equals(a.get("alert")))
                .findFirst().orElseThrow();
        assertThat(breaker.get("for")).isEqualTo("5m");
        assertThat((String) breaker.get("expr")).contains("verity_cascade_breaker_state").contains("== 2");
    }

    @Test
    void everyRunbookLinkIsASectionOfTheOperationsGuide() throws IOException {
        Set<String> anchors = Files.readAllLines(ROOT.resolve("docs/operations.md")).stream()
                .filter(line -> line.startsWith("#")).map(MonitoringTest::anchor).collect(Collectors.toSet());
        assertThat(alerts()).allSatisfy(alert -> {
            String url = labels(alert, "annotations").get("runbook_url");
            assertThat(url).as("%s runbook", alert.get("alert")).startsWith("docs/operations.md#");
            assertThat(anchors).as("%s: docs/operations.md has a section for %s", alert.get("alert"), url)
                    .contains(url.substring(url.indexOf('#') + 1));
            assertThat(url).endsWith("#" + ((String) alert.get("alert")).toLowerCase(Locale.ROOT));
        });
    }

    @Test
    void everyAlertQueriesMetricsThatExist() {
        assertThat(alerts()).allSatisfy(alert -> assertThat(unknownMetrics((String) alert.get("expr")))
                .as("%s: metrics no service exports", alert.get("alert")).isEmpty());
    }

    @Test
    void theDashboardIsAGrafanaDashboardTheSidecarPicksUp() throws IOException {
        ConfigMap map = rendered.stream().filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast)
                .filter(c -> c.getMetadata().getName().equals("verity-dashboard")).findFirst().orElseThrow();
        assertThat(map.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        assertThat(map.getMetadata().getNamespace()).isEqualTo("verity");
        JsonNode dashboard = new ObjectMapper().readTree(map.getData().get("verity-dashboard.json"));
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        List<String> titles = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> titles.add(panel.path("title").asText().toLowerCase(Locale.ROOT)));
        for (String topic : List.of("requests", "latency", "error_type", "cost by model", "fallbacks", "circuit breakers",
                "sockets")) {
            assertThat(titles).as("a panel about %s", topic).anySatisfy(t -> assertThat(t).contains(topic));
        }
        dashboard.path("panels").forEach(panel -> {
            assertThat(panel.path("targets")).as("%s targets", panel.path("title")).isNotEmpty();
            panel.path("targets").forEach(target -> assertThat(unknownMetrics(target.path("expr").asText()))
                    .as("panel %s: metrics no service exports", panel.path("title").asText()).isEmpty());
        });
    }

    @Test
    void theMetricCheckRejectsAMetricNoServiceExports() {
        assertThat(unknownMetrics("sum(rate(verity_cascade_fallbacks_invented_total[5m])) > 0"))
                .containsExactly("verity_cascade_fallbacks_invented_total");
        assertThat(unknownMetrics("max by (model) (verity_cascade_breaker_state{model=\"small\"}) == 2")).isEmpty();
    }

    /** The metric names of a PromQL expression that neither a service nor the platform exports. */
    static List<String> unknownMetrics(String expr) {
        String bare = expr.replaceAll("\\{[^}]*}", "").replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "")
                .replaceAll("\"[^\"]*\"", "");
        List<String> unknown = new ArrayList<>();
        Matcher matcher = METRIC.matcher(bare);
        while (matcher.find()) {
            String name = matcher.group(1);
            if (Set.of("histogram_quantile").contains(name)) {
                continue;
            }
            if (!known(name)) {
                unknown.add(name);
            }
        }
        return unknown;
    }

    private static boolean known(String metric) {
        String base = metric;
        for (String suffix : List.of("_bucket", "_count", "_sum", "_max", "_total")) {
            if (base.endsWith(suffix)) {
                base = base.substring(0, base.length() - suffix.length());
                break;
            }
        }
        String withoutUnit = base.endsWith("_seconds") ? base.substring(0, base.length() - "_seconds".length()) : base;
        return exported.contains(base) || exported.contains(withoutUnit) || PLATFORM_METRICS.contains(base)
                || PLATFORM_METRICS.contains(withoutUnit);
    }

    private static GenericKubernetesResource prometheusRule() {
        return rendered.stream().filter(GenericKubernetesResource.class::isInstance)
                .map(GenericKubernetesResource.class::cast).filter(r -> r.getKind().equals("PrometheusRule"))
                .findFirst().orElseThrow(() -> new AssertionError("deploy/monitoring renders no PrometheusRule"));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> alerts() {
        Map<String, Object> spec = (Map<String, Object>) prometheusRule().getAdditionalProperties().get("spec");
        List<Map<String, Object>> alerts = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) spec.get("groups")) {
            alerts.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        return alerts;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> labels(Map<String, Object> alert, String key) {
        return (Map<String, String>) alert.getOrDefault(key, Map.of());
    }

    /** The anchor a Markdown renderer gives a heading: lower case, punctuation dropped, spaces as dashes. */
    static String anchor(String heading) {
        return heading.replaceFirst("^#+\\s*", "").trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "")
                .replace(' ', '-');
    }

    @Test
    void renderedObjectsAreKnownKindsOrTheOperatorsRule() {
        assertThat(rendered).allSatisfy(r -> {
            HasMetadata object = (HasMetadata) r;
            if (object instanceof GenericKubernetesResource) {
                assertThat(object.getKind()).isEqualTo("PrometheusRule");
            }
        });
    }
}
