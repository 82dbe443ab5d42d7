package dev.verity.deploy;

import dev.verity.local.ServiceProcess;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An overlay rendered the way deploy/k8s/render.sh renders it: the manifests the quarkus-kubernetes
 * extension generated while packaging each service, laid under deploy/k8s/base and the overlay by
 * kustomize. Works on a copy under target/ so the source tree is never touched.
 */
public final class Rendering {

    public static final List<String> OVERLAYS = List.of("dev", "prod");
    private static final Map<String, Rendering> CACHE = new ConcurrentHashMap<>();

    private final String overlay;
    private final String yaml;
    private final List<KubernetesResource> parsed;

    private Rendering(String overlay, String yaml, List<KubernetesResource> parsed) {
        this.overlay = overlay;
        this.yaml = yaml;
        this.parsed = parsed;
    }

    public static Rendering of(String overlay) {
        return CACHE.computeIfAbsent(overlay, Rendering::render);
    }

    public String overlay() {
        return overlay;
    }

    public String yaml() {
        return yaml;
    }

    /** Every rendered document as the fabric8 model parsed it (typed where the kind is known). */
    public List<KubernetesResource> parsed() {
        return parsed;
    }

    public List<HasMetadata> objects() {
        return parsed.stream().map(HasMetadata.class::cast).toList();
    }

    public <T extends HasMetadata> List<T> all(Class<T> type) {
        return parsed.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
        return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
    }

    public <T extends HasMetadata> T get(Class<T> type, String name) {
        return find(type, name).orElseThrow(() -> new AssertionError(
                overlay + ": no " + type.getSimpleName() + " named " + name));
    }

    public Deployment deployment(VerityService service) {
        return get(Deployment.class, service.module());
    }

    /** A ConfigMap by the name a manifest refers to (kustomize has already rewritten it to the hashed name). */
    public ConfigMap configMap(String name) {
        return get(ConfigMap.class, name);
    }

    private static Rendering render(String overlay) {
        Path root = ServiceProcess.repoRoot();
        Path work = root.resolve("deploy/k8s-tests/target/k8s-render-" + overlay);
        try {
            copyTree(root.resolve("deploy/k8s"), work);
            Path generated = Files.createDirectories(work.resolve("base/generated"));
            for (VerityService service : VerityService.values()) {
                Path manifest = service.moduleDir().resolve("target/kubernetes/kubernetes.yml");
                if (!Files.exists(manifest)) {
                    throw new AssertionError(manifest + " is missing: the quarkus-kubernetes extension writes it when "
                            + service.module() + " is packaged (./mvnw verify builds the services before this module)");
                }
                Files.copy(manifest, generated.resolve(service.module() + ".yml"), StandardCopyOption.REPLACE_EXISTING);
            }
            String yaml = kustomize(work.resolve("overlays").resolve(overlay));
            List<KubernetesResource> parsed = new ArrayList<>();
            for (String document : yaml.split("(?m)^---\\s*$")) {
                if (!document.isBlank()) {
                    parsed.add(Serialization.unmarshal(document));
                }
            }
            return new Rendering(overlay, yaml, List.copyOf(parsed));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String kustomize(Path dir) throws IOException {
        List<String> command = onPath("kustomize").map(k -> List.of(k.toString(), "build", dir.toString()))
                .or(() -> onPath("kubectl").map(k -> List.of(k.toString(), "kustomize", dir.toString())))
                .orElseThrow(() -> new AssertionError("rendering the overlays needs kubectl (built-in kustomize) or "
                        + "kustomize on PATH; neither was found"));
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed:\n" + new String(err, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while rendering " + dir, e);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static Optional<Path> onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .map(dir -> Path.of(dir, tool)).filter(Files::isExecutable).findFirst();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (Files.exists(to)) {
            try (Stream<Path> old = Files.walk(to)) {
                old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path relative = from.relativize(source);
                if (relative.startsWith("base/generated")) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
