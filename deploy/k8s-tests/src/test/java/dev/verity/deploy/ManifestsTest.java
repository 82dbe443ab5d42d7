package dev.verity.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every overlay, rendered as an operator would render it, checked against what the services really
 * are: their ports and health endpoints, the configuration names they read, their images.
 */
class ManifestsTest {

    static final List<String> OVERLAYS = Rendering.OVERLAYS;

    /** Model fields, as the part of VERITY_MODELS_<NAME>_<FIELD> after the model name. */
    private static final List<String> MODEL_FIELDS = List.of("BASE_URL", "API_KEY", "UPSTREAM_MODEL", "TIER",
            "INPUT_USD_PER_MTOK", "OUTPUT_USD_PER_MTOK", "CONTEXT_WINDOW", "TIMEOUT", "MAX_CONCURRENCY",
            "STREAM_IDLE_TIMEOUT");
    private static final Pattern MODEL_ENV = Pattern.compile("VERITY_MODELS_([A-Z0-9]+)_("
            + String.join("|", MODEL_FIELDS) + ")");
    /** What Kubernetes itself may add that no service reads as configuration. */
    private static final Set<String> PLATFORM_ENV = Set.of("KUBERNETES_NAMESPACE");

    static Stream<Arguments> overlayAndService() {
        return OVERLAYS.stream().flatMap(o -> Stream.of(VerityService.values()).map(s -> Arguments.of(o, s)));
    }

    @ParameterizedTest(name = "{0}: every object is a known Kubernetes kind with only known fields")
    @FieldSource("OVERLAYS")
    void objectsAreValidKubernetesResources(String overlay) {
        Rendering rendering = Rendering.of(overlay);
        assertThat(rendering.parsed()).isNotEmpty();
        for (KubernetesResource resource : rendering.parsed()) {
            assertThat(resource).as("%s: parsed object", overlay).isInstanceOf(HasMetadata.class)
                    .isNotInstanceOf(GenericKubernetesResource.class);
            HasMetadata object = (HasMetadata) resource;
            assertThat(object.getMetadata().getName()).as("%s: %s name", overlay, object.getKind()).isNotBlank();
            List<String> unknown = new ArrayList<>();
            unknownFields(object, object.getKind() + "/" + object.getMetadata().getName(), unknown);
            assertThat(unknown).as("%s: fields the Kubernetes API does not define", overlay).isEmpty();
        }
        assertThat(rendering.all(Deployment.class)).extracting(d -> d.getMetadata().getName())
                .containsExactlyInAnyOrder(Stream.of(VerityService.values()).map(VerityService::module).toArray(String[]::new));
    }

    @ParameterizedTest(name = "{0}: every namespaced object lands in the overlay's namespace")
    @FieldSource("OVERLAYS")
    void everythingIsInTheOverlayNamespace(String overlay) {
        String expected = overlay.equals("prod") ? "verity" : "verity-" + overlay;
        assertThat(Rendering.of(overlay).objects()).allSatisfy(o ->
                assertThat(o.getMetadata().getNamespace()).as("%s %s", o.getKind(), o.getMetadata().getName()).isEqualTo(expected));
    }

    @ParameterizedTest(name = "{0} {1}: probes are SmallRye Health's paths on the service's HTTP port")
    @MethodSource("overlayAndService")
    void probesHitTheRealHealthEndpoints(String overlay, VerityService service) {
        Container container = onlyContainer(Rendering.of(overlay).deployment(service));
        assertProbe(container, container.getLivenessProbe(), service.healthPath("liveness"), service);
        assertProbe(container, container.getReadinessProbe(), service.healthPath("readiness"), service);
        assertProbe(container, container.getStartupProbe(), service.healthPath("startup"), service);
        assertThat(container.getPorts()).extracting(ContainerPort::getContainerPort).containsExactly(service.httpPort());
        // Liveness must not flap while the JVM starts: the startup probe holds it off.
        Probe startup = container.getStartupProbe();
        assertThat(startup.getPeriodSeconds() * startup.getFailureThreshold()).isGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest(name = "{0}: every container has CPU and memory limits at or above its requests")
    @FieldSource("OVERLAYS")
    void everyContainerHasLimits(String overlay) {
        for (Deployment deployment : Rendering.of(overlay).all(Deployment.class)) {
            PodSpec pod = deployment.getSpec().getTemplate().getSpec();
            List<Container> containers = new ArrayList<>(pod.getContainers());
            containers.addAll(pod.getInitContainers());
            for (Container container : containers) {
                Map<String, Quantity> limits = container.getResources().getLimits();
                Map<String, Quantity> requests = container.getResources().getRequests();
                assertThat(limits).as("%s limits", container.getName()).containsKeys("cpu", "memory");
                assertThat(requests).as("%s requests", container.getName()).containsKeys("cpu", "memory");
                for (String resource : List.of("cpu", "memory")) {
                    assertThat(requests.get(resource).getNumericalAmount())
                            .as("%s %s request <= limit", container.getName(), resource)
                            .isLessThanOrEqualTo(limits.get(resource).getNumericalAmount());
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}: image is the one its Dockerfiles build, at the project version")
    @MethodSource("overlayAndService")
    void imageIsTheServicesOwn(String overlay, VerityService service) throws Exception {
        Container container = onlyContainer(Rendering.of(overlay).deployment(service));
        assertThat(container.getImage()).isEqualTo("docker.io/verity/" + service.module() + ":" + System.getProperty("verity.version"));
        for (String file : List.of("Dockerfile.jvm", "Dockerfile.native")) {
            Path dockerfile = service.moduleDir().resolve("src/main/docker").resolve(file);
            String text = Files.readString(dockerfile);
            assertThat(text).as("%s EXPOSE", dockerfile).containsPattern("(?m)^EXPOSE " + service.httpPort() + "$");
            Matcher user = Pattern.compile("(?m)^USER (\\d+)$").matcher(text);
            assertThat(user.find()).as("%s has a numeric USER (runAsNonRoot needs one)", dockerfile).isTrue();
            assertThat(Integer.parseInt(user.group(1))).as("%s USER", dockerfile).isPositive();
        }
        String jvm = Files.readString(service.moduleDir().resolve("src/main/docker/Dockerfile.jvm"));
        assertThat(jvm).contains("JAVA_MAX_MEM_RATIO=").contains("-XX:+ExitOnOutOfMemoryError");
        // Every layer the JVM image copies exists in the packaged application.
        Matcher copy = Pattern.compile("(?m)^COPY --chown=\\S+ (target/quarkus-app/\\S*) ").matcher(jvm);
        int layers = 0;
        while (copy.find()) {
            layers++;
            String source = copy.group(1);
            Path packaged = service.moduleDir().resolve(source.replace("*.jar", "quarkus-run.jar"));
            assertThat(packaged).as("%s copies %s", service.module(), source).exists();
        }
        assertThat(layers).as("fast-jar layers copied").isEqualTo(4);
        assertThat(Rendering.of(overlay).deployment(service).getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot())
                .isTrue();
    }

    @ParameterizedTest(name = "{0} {1}: environment names are the ones the service reads, and it gets all it needs")
    @MethodSource("overlayAndService")
    void environmentMatchesWhatTheServiceReads(String overlay, VerityService service) {
        Rendering rendering = Rendering.of(overlay);
        Container container = onlyContainer(rendering.deployment(service));
        Map<String, String> env = effectiveEnv(rendering, container);

        Set<String> known = new java.util.HashSet<>(Set.of("QUARKUS_REDIS_HOSTS", "MP_JWT_VERIFY_ISSUER",
                "MP_JWT_VERIFY_PUBLICKEY_LOCATION", "QUARKUS_HTTP_PORT", "QUARKUS_SHUTDOWN_DELAY"));
        if (service.usesPostgres()) {
            known.addAll(Set.of("QUARKUS_DATASOURCE_REACTIVE_URL", "QUARKUS_DATASOURCE_USERNAME",
                    "QUARKUS_DATASOURCE_PASSWORD", "QUARKUS_DATASOURCE_JDBC_URL"));
        }
        service.restClients().forEach(c -> known.add(restClientEnv(c)));
        for (String name : env.keySet()) {
            if (PLATFORM_ENV.contains(name)) {
                continue;
            }
            if (service.readsModels() && MODEL_ENV.matcher(name).matches()) {
                continue;
            }
            assertThat(known).as("%s %s: %s is not a configuration name this service reads",
                    overlay, service.module(), name).contains(name);
        }

        List<String> required = new ArrayList<>(List.of("QUARKUS_REDIS_HOSTS", "MP_JWT_VERIFY_ISSUER", "QUARKUS_SHUTDOWN_DELAY"));
        if (service.usesPostgres()) {
            required.addAll(List.of("QUARKUS_DATASOURCE_REACTIVE_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD"));
            assertThat(env.get("QUARKUS_DATASOURCE_REACTIVE_URL")).startsWith("postgresql://");
            assertThat(env.get("QUARKUS_DATASOURCE_PASSWORD")).as("password comes from a Secret").isEqualTo("secret:verity-postgres/password");
            assertThat(env.get("QUARKUS_DATASOURCE_USERNAME")).isEqualTo("secret:verity-postgres/username");
        }
        service.restClients().forEach(c -> required.add(restClientEnv(c)));
        assertThat(env).as("%s %s env", overlay, service.module()).containsKeys(required.toArray(String[]::new));
        assertThat(env.get("QUARKUS_REDIS_HOSTS")).matches("rediss?://.+");

        if (service.readsModels()) {
            Set<String> models = new java.util.TreeSet<>();
            env.keySet().stream().map(MODEL_ENV::matcher).filter(Matcher::matches).forEach(m -> models.add(m.group(1)));
            assertThat(models).as("%s: the cascade has at least one model", overlay).isNotEmpty();
            for (String model : models) {
                assertThat(env).containsKeys("VERITY_MODELS_" + model + "_BASE_URL", "VERITY_MODELS_" + model + "_TIER");
                assertThat(URI.create(env.get("VERITY_MODELS_" + model + "_BASE_URL")).getScheme()).isIn("http", "https");
                assertThat(env).as("API keys only from a Secret").doesNotContainKey("VERITY_MODELS_" + model + "_API_KEY");
            }
            assertThat(container.getEnvFrom()).as("provider keys from Secret verity-model-keys")
                    .anyMatch(from -> from.getSecretRef() != null && from.getSecretRef().getName().startsWith("verity-model-keys"));
        }
    }

    @ParameterizedTest(name = "{0} {1}: the JWT public key Secret is mounted where the service reads it")
    @MethodSource("overlayAndService")
    void jwtPublicKeyIsMountedWhereTheServiceReadsIt(String overlay, VerityService service) {
        Deployment deployment = Rendering.of(overlay).deployment(service);
        Container container = onlyContainer(deployment);
        Path location = Path.of(service.property("mp.jwt.verify.publickey.location"));
        assertThat(effectiveEnv(Rendering.of(overlay), container)).doesNotContainKey("MP_JWT_VERIFY_PUBLICKEY_LOCATION");
        VolumeMount mount = container.getVolumeMounts().stream()
                .filter(m -> Path.of(m.getMountPath()).equals(location.getParent())).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + location.getParent()));
        assertThat(mount.getReadOnly()).isTrue();
        Volume volume = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
        assertThat(volume.getSecret().getSecretName()).isEqualTo("verity-jwt-public-key");
        assertThat(location.getFileName()).hasToString("public-key.pem");
        // The key must be readable by the image's non-root user.
        assertThat(volume.getSecret().getDefaultMode() & 0004).isEqualTo(0004);
    }

    @ParameterizedTest(name = "{0} {1}: the grace period covers the shutdown delay and the drain timeout")
    @MethodSource("overlayAndService")
    void gracePeriodCoversGracefulShutdown(String overlay, VerityService service) {
        Deployment deployment = Rendering.of(overlay).deployment(service);
        Map<String, String> env = effectiveEnv(Rendering.of(overlay), onlyContainer(deployment));
        assertThat(service.property("quarkus.shutdown.delay-enabled")).isEqualTo("true");
        Duration delay = duration(env.get("QUARKUS_SHUTDOWN_DELAY"));
        Duration drain = duration(service.property("quarkus.shutdown.timeout"));
        assertThat(delay).as("readiness must have time to drop the pod").isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(drain).isPositive();
        Probe readiness = onlyContainer(deployment).getReadinessProbe();
        assertThat(Duration.ofSeconds((long) readiness.getPeriodSeconds() * readiness.getFailureThreshold()))
                .as("readiness notices the shutdown within the delay").isLessThanOrEqualTo(delay);
        long grace = deployment.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        assertThat(Duration.ofSeconds(grace)).as("terminationGracePeriodSeconds")
                .isGreaterThanOrEqualTo(delay.plus(drain).plusSeconds(5));
    }

    @ParameterizedTest(name = "{0} {1}: the Service forwards port 80 to the service's HTTP port")
    @MethodSource("overlayAndService")
    void serviceForwardsToTheHttpPort(String overlay, VerityService service) {
        Rendering rendering = Rendering.of(overlay);
        Service k8sService = rendering.get(Service.class, service.module());
        assertThat(k8sService.getSpec().getType()).isEqualTo("ClusterIP");
        ServicePort port = k8sService.getSpec().getPorts().stream().filter(p -> p.getPort() == 80).findFirst().orElseThrow();
        assertThat(resolvePort(onlyContainer(rendering.deployment(service)), port.getTargetPort())).isEqualTo(service.httpPort());
        Map<String, String> podLabels = rendering.deployment(service).getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsAllEntriesOf(k8sService.getSpec().getSelector());
    }

    @ParameterizedTest(name = "{0}: REST client URLs name Services that reach the right service")
    @FieldSource("OVERLAYS")
    void restClientUrlsReachTheirServices(String overlay) {
        Rendering rendering = Rendering.of(overlay);
        Map<String, VerityService> targets = Map.of("llm-cascade", VerityService.LLM_CASCADE,
                "execution-agent", VerityService.EXECUTION_AGENT, "data-agent", VerityService.DATA_AGENT);
        for (VerityService caller : VerityService.values()) {
            Map<String, String> env = effectiveEnv(rendering, onlyContainer(rendering.deployment(caller)));
            for (String client : caller.restClients()) {
                URI url = URI.create(env.get(restClientEnv(client)));
                VerityService target = targets.get(client);
                assertThat(url.getHost()).isEqualTo(target.module());
                int port = url.getPort() == -1 ? 80 : url.getPort();
                ServicePort servicePort = rendering.get(Service.class, url.getHost()).getSpec().getPorts().stream()
                        .filter(p -> p.getPort() == port).findFirst()
                        .orElseThrow(() -> new AssertionError(url + ": Service has no port " + port));
                assertThat(resolvePort(onlyContainer(rendering.deployment(target)), servicePort.getTargetPort()))
                        .isEqualTo(target.httpPort());
            }
        }
    }

    @ParameterizedTest(name = "{0}: only the gateway has an Ingress, with WebSocket-length proxy timeouts")
    @FieldSource("OVERLAYS")
    void gatewayIngressKeepsWebSocketsOpen(String overlay) {
        Rendering rendering = Rendering.of(overlay);
        assertThat(rendering.all(Ingress.class)).hasSize(1);
        Ingress ingress = rendering.all(Ingress.class).getFirst();
        List<IngressBackend> backends = ingress.getSpec().getRules().stream()
                .flatMap(r -> r.getHttp().getPaths().stream()).map(p -> p.getBackend()).toList();
        assertThat(backends).isNotEmpty().allSatisfy(b -> {
            assertThat(b.getService().getName()).isEqualTo("gateway");
            Service gateway = rendering.get(Service.class, "gateway");
            assertThat(gateway.getSpec().getPorts()).anyMatch(p -> p.getName().equals(b.getService().getPort().getName()));
        });
        Map<String, String> annotations = ingress.getMetadata().getAnnotations();
        for (String timeout : List.of("proxy-read-timeout", "proxy-send-timeout")) {
            assertThat(Integer.parseInt(annotations.get("nginx.ingress.kubernetes.io/" + timeout)))
                    .as(timeout).isGreaterThanOrEqualTo(3600);
        }
        if (overlay.equals("prod")) {
            assertThat(ingress.getSpec().getTls()).isNotEmpty();
        }
    }

    @ParameterizedTest(name = "{0} {1}: an autoscaler owns the replicas and a disruption budget keeps pods up")
    @MethodSource("overlayAndService")
    void autoscalerAndDisruptionBudget(String overlay, VerityService service) {
        Rendering rendering = Rendering.of(overlay);
        Deployment deployment = rendering.deployment(service);
        assertThat(deployment.getSpec().getReplicas()).as("replicas belong to the HPA").isNull();
        HorizontalPodAutoscaler hpa = rendering.get(HorizontalPodAutoscaler.class, service.module());
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(service.module());
        assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(overlay.equals("prod") ? 2 : 1);
        assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThan(hpa.getSpec().getMinReplicas());
        PodDisruptionBudget pdb = rendering.get(PodDisruptionBudget.class, service.module());
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
    }

    @ParameterizedTest(name = "{0}: no secret value is in the manifests")
    @FieldSource("OVERLAYS")
    void noSecretValues(String overlay) {
        for (Secret secret : Rendering.of(overlay).all(Secret.class)) {
            assertThat(secret.getData()).as(secret.getMetadata().getName()).isNullOrEmpty();
            assertThat(secret.getStringData()).as(secret.getMetadata().getName()).isNullOrEmpty();
        }
        for (ConfigMap map : Rendering.of(overlay).all(ConfigMap.class)) {
            assertThat(map.getData().keySet()).as("%s holds no key, password or token", map.getMetadata().getName())
                    .noneMatch(k -> k.endsWith("_API_KEY") || k.endsWith("_PASSWORD") || k.contains("TOKEN"));
        }
    }

    // --- helpers

    static Container onlyContainer(Deployment deployment) {
        List<Container> containers = deployment.getSpec().getTemplate().getSpec().getContainers();
        assertThat(containers).as(deployment.getMetadata().getName() + " containers").hasSize(1);
        return containers.getFirst();
    }

    static String restClientEnv(String client) {
        return "QUARKUS_REST_CLIENT_" + client.toUpperCase().replace('-', '_') + "_URL";
    }

    /**
     * What the container's process sees: literal env values, {@code secret:<name>/<key>} for Secret
     * references, ConfigMap entries pulled in with envFrom (explicit env wins, as in Kubernetes).
     */
    static Map<String, String> effectiveEnv(Rendering rendering, Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : container.getEnvFrom()) {
            if (from.getConfigMapRef() != null) {
                env.putAll(rendering.configMap(from.getConfigMapRef().getName()).getData());
            }
        }
        for (EnvVar var : container.getEnv()) {
            if (var.getValueFrom() != null && var.getValueFrom().getSecretKeyRef() != null) {
                env.put(var.getName(), "secret:" + var.getValueFrom().getSecretKeyRef().getName() + "/"
                        + var.getValueFrom().getSecretKeyRef().getKey());
            } else if (var.getValueFrom() != null) {
                env.put(var.getName(), "field:" + var.getValueFrom().getFieldRef().getFieldPath());
            } else {
                env.put(var.getName(), var.getValue());
            }
        }
        return env;
    }

    static int resolvePort(Container container, IntOrString port) {
        if (port.getIntVal() != null) {
            return port.getIntVal();
        }
        return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
                .map(ContainerPort::getContainerPort).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no port named " + port.getStrVal()));
    }

    private static void assertProbe(Container container, Probe probe, String path, VerityService service) {
        assertThat(probe).as("%s probe for %s", service.module(), path).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(resolvePort(container, probe.getHttpGet().getPort())).isEqualTo(service.httpPort());
        assertThat(probe.getTimeoutSeconds()).isLessThan(probe.getPeriodSeconds() + 1);
    }

    static Duration duration(String value) {
        String v = value.trim();
        if (v.startsWith("P") || v.startsWith("p")) {
            return Duration.parse(v);
        }
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)?").matcher(v);
        if (!m.matches()) {
            throw new AssertionError("not a duration: " + value);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** Walks the typed model; anything the model did not recognise lands in additionalProperties. */
    private static void unknownFields(Object node, String where, List<String> unknown) {
        if (node == null) {
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, where + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknownFields(v, where + "." + k, unknown));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(node);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(where + ": " + extra.keySet());
                }
                continue;
            }
            if (value instanceof Quantity || value instanceof IntOrString) {
                continue;
            }
            unknownFields(value, where + "." + getter.getName().substring(3), unknown);
        }
    }
}
