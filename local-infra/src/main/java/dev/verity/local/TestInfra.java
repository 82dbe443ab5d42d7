package dev.verity.local;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.logging.Logger;

/**
 * One PostgreSQL, one Redis and one signing key per test JVM, shared by every test class and
 * stopped when the JVM exits. Each module's database and Redis index start empty once per JVM,
 * so a run never depends on what an earlier run left behind. Addresses come from the same environment variables the services
 * read (QUARKUS_DATASOURCE_REACTIVE_URL, QUARKUS_REDIS_HOSTS).
 */
public final class TestInfra {

    public static final String ISSUER = "https://verity.test";
    private static final Logger LOG = Logger.getLogger(TestInfra.class.getName());
    private static TestInfra instance;

    private final LocalPostgres postgres;
    private final LocalRedis redis;
    private final JwtKeys keys;
    private final Tokens tokens;
    private final ReceiptKeys receiptKeys = ReceiptKeys.temporary();
    private final Set<String> freshDatabases = new HashSet<>();
    private final Set<String> flushedRedisDbs = new HashSet<>();

    private TestInfra() {
        postgres = LocalPostgres.findOrStart(System.getenv("QUARKUS_DATASOURCE_REACTIVE_URL"),
                System.getenv("QUARKUS_DATASOURCE_USERNAME"), System.getenv("QUARKUS_DATASOURCE_PASSWORD"), null);
        redis = LocalRedis.findOrStart(System.getenv("QUARKUS_REDIS_HOSTS"));
        keys = JwtKeys.temporary();
        tokens = new Tokens(keys, ISSUER);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "verity-test-infra-stop"));
    }

    public static synchronized TestInfra get() {
        if (instance == null) {
            instance = new TestInfra();
        }
        return instance;
    }

    /** The module's database, emptied the first time this JVM asks for it. */
    public synchronized PostgresEndpoint postgres(String database) {
        return freshDatabases.add(database) ? postgres.freshDatabase(database) : postgres.database(database);
    }

    /** The module's Redis database index, flushed the first time this JVM asks for it. */
    public synchronized String redisUrl(String index) {
        if (flushedRedisDbs.add(index)) {
            LocalRedis.flushDb(redis.endpoint(), Integer.parseInt(index));
        }
        return redis.endpoint().url() + "/" + index;
    }

    public RedisEndpoint redis() {
        return redis.endpoint();
    }

    public JwtKeys keys() {
        return keys;
    }

    /** The receipt keys every service of this JVM's tests signs and checks with. */
    public ReceiptKeys receiptKeys() {
        return receiptKeys;
    }

    public Tokens tokens() {
        return tokens;
    }

    private void stop() {
        try {
            redis.close();
            postgres.close();
        } catch (IOException e) {
            LOG.warning("stopping test infrastructure: " + e.getMessage());
        }
    }
}
