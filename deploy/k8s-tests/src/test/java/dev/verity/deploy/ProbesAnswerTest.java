package dev.verity.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verity.local.ServiceProcess;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The probe paths the prod manifests name, asked of the real packaged service: a probe on a path the
 * service does not serve would restart every pod forever.
 */
class ProbesAnswerTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @ParameterizedTest(name = "{0}: the manifest's probes and /v1/status answer without a token")
    @EnumSource(VerityService.class)
    void manifestProbesAnswerOnTheRunningService(VerityService service) throws Exception {
        Container container = ManifestsTest.onlyContainer(Rendering.of("prod").deployment(service));
        try (ServiceProcess process = PackagedServices.start(service, PackagedServices.environment())) {
            process.awaitReady(Duration.ofSeconds(60));
            for (Probe probe : List.of(container.getStartupProbe(), container.getLivenessProbe(), container.getReadinessProbe())) {
                HttpResponse<String> response = get(process, probe.getHttpGet().getPath());
                assertThat(response.statusCode()).as("%s %s", service.module(), probe.getHttpGet().getPath()).isEqualTo(200);
                assertThat(response.body()).contains("\"UP\"").doesNotContain("\"DOWN\"");
            }
            HttpResponse<String> status = get(process, "/v1/status");
            assertThat(status.statusCode()).isEqualTo(200);
            assertThat(status.body()).contains("\"service\"");
        }
    }

    static HttpResponse<String> get(ServiceProcess process, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(process.url() + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
