package dev.verity.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole system on one machine, as e2e and the bench run it: an embedded PostgreSQL and Redis
 * of its own, a JWT key pair made for the run, and the four packaged services ({@link PackagedStack})
 * wired to them, with status pushed and polled every second. What differs between the two users
 * (models, limits, tracing, JVM flags) is said through the {@link Builder}; a setting given there
 * wins over the common one.
 */
public final class SystemStack implements AutoCloseable {

    private final Path postgresDir;
    private final int postgresPort;
    private LocalPostgres postgres;
    private final PostgresEndpoint database;
    private final Path redisDir;
    private final int redisPort;
    private final boolean durableRedis;
    private LocalRedis redis;
    private final Tokens tokens;
    private final PackagedStack services;

    private SystemStack(Builder builder) throws IOException {
        postgresDir = builder.work.resolve("postgres");
        deleteRecursively(postgresDir);
        postgresPort = Endpoints.freePort();
        postgres = LocalPostgres.embedded(postgresDir, postgresPort);
        database = postgres.database("verity");
        redisDir = builder.work.resolve("redis");
        deleteRecursively(redisDir);
        redisPort = Endpoints.freePort();
        durableRedis = builder.durableRedis;
        redis = startRedis();
        JwtKeys keys = JwtKeys.temporary();
        tokens = new Tokens(keys, builder.issuer);
        Map<String, String> env = new LinkedHashMap<>(
                ServiceEnv.infrastructure(database, redis.endpoint(), keys, builder.issuer));
        // A test or a run sees a state change within a second, not the shipped 5 s.
        env.put("VERITY_STATUS_REFRESH_INTERVAL", "1s");
        env.put("VERITY_STATUS_POLL_INTERVAL", "1s");
        env.putAll(builder.env);
        env.putAll(LocalStack.dataAgentPrices(env));
        try {
            services = PackagedStack.start(ServiceProcess.repoRoot(), env, builder.jvmArgs, builder.work.resolve("logs"),
                    builder.timeout, builder.aot, builder.ports);
        } catch (RuntimeException e) {
            closeServers();
            throw e;
        }
    }

    /** A stack whose files (database, logs) live under {@code work}, its tokens issued by {@code issuer}. */
    public static Builder builder(Path work, String issuer) {
        return new Builder(work, issuer);
    }

    public static final class Builder {

        private final Path work;
        private final String issuer;
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<String, Integer> ports = PackagedStack.freePorts();
        private final List<String> jvmArgs = new ArrayList<>();
        private AotCache.Use aot = AotCache.Use.OFF;
        private Duration timeout = Duration.ofMinutes(3);
        private boolean durableRedis;

        private Builder(Path work, String issuer) {
            this.work = work;
            this.issuer = issuer;
        }

        /** One setting for every service; a later one for the same name wins. */
        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Builder env(Map<String, String> settings) {
            env.putAll(settings);
            return this;
        }

        /**
         * A model behind {@code baseUrl}, priced per million tokens; the data agent re-prices recorded
         * calls with the same table (as {@code ./verity run} does). Further settings: {@link #modelSetting}.
         */
        public Builder model(String name, String baseUrl, int tier, String inputUsdPerMtok, String outputUsdPerMtok) {
            modelSetting(name, "BASE_URL", baseUrl);
            modelSetting(name, "TIER", Integer.toString(tier));
            modelSetting(name, "INPUT_USD_PER_MTOK", inputUsdPerMtok);
            modelSetting(name, "OUTPUT_USD_PER_MTOK", outputUsdPerMtok);
            return this;
        }

        /** {@code verity.models.<name>.<setting>}, the setting in environment form ({@code TIMEOUT}, {@code API_KEY}). */
        public Builder modelSetting(String name, String setting, String value) {
            env.put("VERITY_MODELS_" + name.toUpperCase() + "_" + setting, value);
            return this;
        }

        /** Every tier's request limit per window, raised so that limiting is not what is tested or measured. */
        public Builder rateLimits(long requests) {
            for (String tier : List.of("FREE", "EARLY", "MID", "ENTERPRISE")) {
                env.put("VERITY_RATE_LIMIT_REQUESTS_" + tier, Long.toString(requests));
            }
            return this;
        }

        /**
         * Redis keeps an append-only file synced on every write, so {@link #redisUp()} brings back its
         * streams and consumer groups; off by default because the fsync per write would be measured
         * by the bench as Verity's cost.
         */
        public Builder durableRedis() {
            durableRedis = true;
            return this;
        }

        public Builder jvmArgs(List<String> args) {
            jvmArgs.addAll(args);
            return this;
        }

        public Builder aot(AotCache.Use use) {
            aot = use;
            return this;
        }

        /** A service's URL before the stack starts, for a setting that names it (a status-page link). */
        public String url(String module) {
            return "http://localhost:" + ports.get(module);
        }

        /** Starts everything and waits until every service is ready. */
        public SystemStack start() throws IOException {
            return new SystemStack(this);
        }
    }

    public PackagedStack services() {
        return services;
    }

    public ServiceProcess service(String module) {
        return services.service(module);
    }

    public String gateway() {
        return services.service(PackagedStack.GATEWAY).url();
    }

    public Tokens tokens() {
        return tokens;
    }

    /** The stack's database, for looking at what the services stored. */
    public PostgresEndpoint database() {
        return database;
    }

    public RedisEndpoint redis() {
        return redis.endpoint();
    }

    /** The database fault: PostgreSQL stops, every service loses it at once. */
    public synchronized void postgresDown() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new IllegalStateException("could not stop PostgreSQL", e);
        }
    }

    /** PostgreSQL comes back on the same port with the same data. */
    public synchronized void postgresUp() {
        postgres = LocalPostgres.embedded(postgresDir, postgresPort);
    }

    /** Redis stops as a crash or an upgrade would: every service loses its connections at once. */
    public synchronized void redisDown() {
        try {
            redis.close();
        } catch (IOException e) {
            throw new IllegalStateException("could not stop Redis", e);
        }
    }

    /** Redis comes back on the same port; with {@link Builder#durableRedis()}, with what it had written. */
    public synchronized void redisUp() {
        redis = startRedis();
    }

    private LocalRedis startRedis() {
        return durableRedis ? LocalRedis.startDurable(redisPort, redisDir) : LocalRedis.startEmbedded(redisPort);
    }

    @Override
    public void close() {
        services.close();
        closeServers();
    }

    private synchronized void closeServers() {
        try {
            redis.close();
            postgres.close();
        } catch (IOException e) {
            System.err.println("stack: stopping embedded servers: " + e.getMessage());
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
