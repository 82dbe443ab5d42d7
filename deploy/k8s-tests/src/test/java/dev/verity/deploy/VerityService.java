package dev.verity.deploy;

import dev.verity.local.ServiceProcess;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;

/**
 * One of the four services as its source tree describes it: the module, the application.properties it
 * ships with (the truth the manifests are checked against) and whom it calls.
 */
public enum VerityService {
    LLM_CASCADE("llm-cascade-service", Set.of()),
    DATA_AGENT("data-agent-service", Set.of()),
    EXECUTION_AGENT("execution-agent-service", Set.of("llm-cascade", "data-agent")),
    GATEWAY("gateway", Set.of("llm-cascade", "execution-agent", "data-agent"));

    private final String module;
    private final Set<String> restClients;
    private Properties properties;

    VerityService(String module, Set<String> restClients) {
        this.module = module;
        this.restClients = restClients;
    }

    /** The module folder, which is also the application, Deployment, Service and image name. */
    public String module() {
        return module;
    }

    /** REST client config keys ({@code quarkus.rest-client.<key>.url}) of the services it calls. */
    public Set<String> restClients() {
        return restClients;
    }

    public Path moduleDir() {
        return ServiceProcess.repoRoot().resolve(module);
    }

    public synchronized Properties properties() {
        if (properties == null) {
            Properties loaded = new Properties();
            try (Reader reader = Files.newBufferedReader(moduleDir().resolve("src/main/resources/application.properties"))) {
                loaded.load(reader);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            properties = loaded;
        }
        return properties;
    }

    public String property(String name) {
        String value = properties().getProperty(name);
        if (value == null) {
            throw new AssertionError(module + " application.properties has no " + name);
        }
        return value.trim();
    }

    public int httpPort() {
        return Integer.parseInt(property("quarkus.http.port"));
    }

    public boolean usesPostgres() {
        return properties().containsKey("quarkus.datasource.db-kind");
    }

    public boolean readsModels() {
        return this == LLM_CASCADE;
    }

    /** SmallRye Health's paths as this service serves them (roots from its configuration, else defaults). */
    public String healthPath(String check) {
        String root = properties().getProperty("quarkus.http.non-application-root-path", "q").replaceAll("^/|/$", "");
        String health = properties().getProperty("quarkus.smallrye-health.root-path", "health").replaceAll("^/|/$", "");
        String sub = properties().getProperty("quarkus.smallrye-health." + check + "-path", switch (check) {
            case "liveness" -> "live";
            case "readiness" -> "ready";
            case "startup" -> "started";
            default -> throw new IllegalArgumentException(check);
        });
        return "/" + root + "/" + health + "/" + sub.replaceAll("^/", "");
    }

    public static VerityService byModule(String module) {
        for (VerityService service : values()) {
            if (service.module.equals(module)) {
                return service;
            }
        }
        throw new AssertionError("not a Verity service: " + module);
    }
}
