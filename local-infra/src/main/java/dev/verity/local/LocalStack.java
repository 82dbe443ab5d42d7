package dev.verity.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./verity run}: the whole stack on one machine. PostgreSQL and Redis at the configured
 * addresses when they answer, embedded otherwise (data under {@code deploy/local/data}); a local
 * JWT key pair made once; the four services as processes; tokens per tier printed; everything
 * stopped on Ctrl-C. Providers come from the caller's environment ({@code VERITY_MODELS_*}); with
 * none set, a local OpenAI-compatible server's models are used when one is running
 * ({@link LocalModelServer}).
 */
public final class LocalStack {

    public static final String ISSUER = "https://verity.local";
    private static final String[] TIERS = {"free", "early", "mid", "enterprise"};

    private final Path root;
    private final Path data;
    private final List<ServiceProcess> services = new ArrayList<>();
    private LocalPostgres postgres;
    private LocalRedis redis;
    private ModelChoice models;

    private LocalStack(Path root) {
        this.root = root;
        this.data = root.resolve("deploy/local/data");
    }

    public static void main(String[] args) throws Exception {
        boolean exitWhenReady = List.of(args).contains("--exit-when-ready");
        LocalStack stack = new LocalStack(ServiceProcess.repoRoot());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.stop();
            stopped.countDown();
        }, "verity-local-stop"));
        try {
            stack.start();
        } catch (RuntimeException e) {
            System.err.println("verity: the stack did not start: " + e.getMessage());
            System.exit(1);
        }
        if (exitWhenReady) {
            System.exit(0);
        }
        stopped.await();
    }

    private void start() throws IOException {
        Files.createDirectories(data);
        postgres = LocalPostgres.findOrStart(System.getenv("QUARKUS_DATASOURCE_REACTIVE_URL"),
                System.getenv("QUARKUS_DATASOURCE_USERNAME"), System.getenv("QUARKUS_DATASOURCE_PASSWORD"),
                data.resolve("postgres"));
        PostgresEndpoint pg = postgres.database("verity");
        redis = LocalRedis.findOrStart(System.getenv("QUARKUS_REDIS_HOSTS"));
        JwtKeys keys = JwtKeys.loadOrCreate(data.resolve("jwt"));
        Tokens tokens = new Tokens(keys, ISSUER);

        Map<String, String> env = new HashMap<>(ServiceEnv.infrastructure(pg, redis.endpoint(), keys, ISSUER));
        env.putAll(ReceiptKeys.loadOrCreate(data.resolve("receipts")).env());
        env.put("QUARKUS_REST_CLIENT_LLM_CASCADE_URL", "http://localhost:8081");
        env.put("QUARKUS_REST_CLIENT_EXECUTION_AGENT_URL", "http://localhost:8082");
        env.put("QUARKUS_REST_CLIENT_DATA_AGENT_URL", "http://localhost:8083");
        // The console sign-in links printed below; never on outside this launcher.
        env.put("VERITY_CONSOLE_FRAGMENT_SIGN_IN", "true");
        env.putAll(dataAgentPrices(System.getenv()));
        models = models(System.getenv(), LocalModelServer.USUAL);
        env.putAll(models.environment());

        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("llm-cascade-service", 8081);
        ports.put("data-agent-service", 8083);
        ports.put("execution-agent-service", 8082);
        ports.put("gateway", 8080);
        for (Map.Entry<String, Integer> service : ports.entrySet()) {
            if (Endpoints.answers("localhost", service.getValue(), 300)) {
                throw new IllegalStateException("port " + service.getValue() + " (" + service.getKey()
                        + ") is already in use: stop what runs there first");
            }
            services.add(new ServiceProcess(service.getKey(), ServiceProcess.runnerOf(root, service.getKey()),
                    service.getValue(), env, data.resolve("logs").resolve(service.getKey() + ".log"), List.of())
                    // The first run on JDK 25 is the training run: its cache is written on Ctrl-C, later runs use it.
                    .aotCache(AotCache.Use.USE_OR_TRAIN).start());
        }
        for (ServiceProcess service : services) {
            service.awaitReady(Duration.ofMinutes(3));
        }
        printBanner(pg, tokens);
    }

    /** The models the cascade gets, as environment, and the banner's account of them. */
    public record ModelChoice(Map<String, String> environment, String report) {
    }

    /**
     * The caller's {@code VERITY_MODELS_*} when there are any; otherwise what a local model server
     * among {@code candidates} lists, or no model at all, said plainly either way.
     */
    public static ModelChoice models(Map<String, String> environment, List<LocalModelServer.Candidate> candidates) {
        if (LocalModelServer.modelsConfigured(environment)) {
            return new ModelChoice(Map.of(), "  Models: as configured by VERITY_MODELS_* in this environment.\n");
        }
        LocalModelServer.Detection detection = LocalModelServer.detect(candidates);
        Map<String, String> found = detection instanceof LocalModelServer.Detection.Found server
                ? LocalModelServer.environment(server) : Map.of();
        return new ModelChoice(found, LocalModelServer.report(detection));
    }

    /**
     * The data agent re-prices recorded calls from its own table; locally the models' prices are
     * the only ones there are, so the table is taken from them rather than set twice.
     */
    static Map<String, String> dataAgentPrices(Map<String, String> environment) {
        Map<String, String> prices = new HashMap<>();
        Pattern price = Pattern.compile("VERITY_MODELS_([A-Z0-9]+)_((?:INPUT|OUTPUT)_USD_PER_MTOK)");
        environment.forEach((name, value) -> {
            Matcher m = price.matcher(name);
            if (m.matches()) {
                prices.putIfAbsent("VERITY_PRICES_" + m.group(1) + "_" + m.group(2), value);
            }
        });
        environment.forEach((name, value) -> {
            if (name.startsWith("VERITY_PRICES_")) {
                prices.put(name, value);
            }
        });
        return prices;
    }

    private void printBanner(PostgresEndpoint pg, Tokens tokens) throws IOException {
        Path tokenDir = Files.createDirectories(data.resolve("tokens"));
        StringBuilder out = new StringBuilder("\nVerity is running.\n\n");
        for (ServiceProcess service : services) {
            out.append(String.format("  %-24s %s   (log: %s)%n", service.name(), service.url(),
                    root.relativize(service.logFile())));
        }
        out.append(String.format("%n  PostgreSQL %s:%d/%s%s%n", pg.host(), pg.port(), pg.database(),
                pg.embedded() ? " (embedded)" : ""));
        out.append(String.format("  Redis      %s%s%n", redis.endpoint().url(), redis.endpoint().embedded() ? " (embedded)" : ""));
        out.append('\n').append(models.report());
        out.append("\n  Status: http://localhost:8080/api/v1/status   page: http://localhost:8080/status\n");
        out.append("\n  Tokens (12 h; also in deploy/local/data/tokens/<tier>.jwt):\n");
        for (String tier : TIERS) {
            String token = tokens.mint(TestUser.of("local-" + tier, "local-org", tier), Duration.ofHours(12));
            Files.writeString(tokenDir.resolve(tier + ".jwt"), token);
            out.append(String.format("  %-10s %s%n", tier, token));
        }
        // Local only: the console reads the token from the URL fragment once (never sent to the server) and drops it.
        out.append("\n  Console, signed in per tier (local dev tokens):\n");
        for (String tier : TIERS) {
            String token = Files.readString(tokenDir.resolve(tier + ".jwt"));
            out.append(String.format("  %-10s http://localhost:8080/#token=%s%n", tier, token));
        }
        out.append("""

                  Try:  curl -s -H "Authorization: Bearer $(cat deploy/local/data/tokens/mid.jwt)" \\
                          -H 'Content-Type: application/json' -d '{"message":"How fast were my calls today?"}' \\
                          http://localhost:8080/api/v1/chat
                  Ctrl-C stops everything.
                """);
        out.append("  AOT cache (JDK 25+): ").append(!AotCache.supported()
                ? "not used (this JDK is " + Runtime.version().feature() + ")"
                : services.stream().anyMatch(ServiceProcess::training)
                        ? "this run trains it; it is written when you stop (Ctrl-C, allow up to a minute), later runs use it"
                        : "in use").append('\n');
        System.out.println(out);
    }

    private void stop() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).stop(Duration.ofSeconds(15));
        }
        try {
            if (redis != null) {
                redis.close();
            }
            if (postgres != null) {
                postgres.close();
            }
        } catch (IOException e) {
            System.err.println("verity: stopping embedded servers: " + e.getMessage());
        }
    }
}
