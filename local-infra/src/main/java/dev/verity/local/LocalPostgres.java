package dev.verity.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.logging.Logger;

/**
 * A real PostgreSQL: the configured server when it answers, otherwise an embedded one (real
 * PostgreSQL binaries shipped as a Maven artifact) whose data lives in the given folder.
 * Databases are created on first use.
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalPostgres.class.getName());

    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final EmbeddedPostgres embedded;

    private LocalPostgres(String host, int port, String user, String password, EmbeddedPostgres embedded) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.embedded = embedded;
    }

    /**
     * @param configuredUrl {@code postgresql://host:port/db} (QUARKUS_DATASOURCE_REACTIVE_URL) or null for localhost:5432
     * @param dataDir       where an embedded server keeps its files; null for a throw-away folder
     */
    public static LocalPostgres findOrStart(String configuredUrl, String user, String password, Path dataDir) {
        URI uri = URI.create(configuredUrl == null || configuredUrl.isBlank()
                ? "postgresql://localhost:5432/verity" : configuredUrl.replaceFirst("^vertx-reactive:", ""));
        String host = uri.getHost() == null ? "localhost" : uri.getHost();
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String dbUser = user == null || user.isBlank() ? "postgres" : user;
        String dbPassword = password == null ? "" : password;
        if (Endpoints.answers(host, port, 1000) && canLogIn(host, port, dbUser, dbPassword)) {
            LOG.info(() -> "Using PostgreSQL at " + host + ":" + port);
            return new LocalPostgres(host, port, dbUser, dbPassword, null);
        }
        LOG.info(() -> "No PostgreSQL answers at " + host + ":" + port + "; starting an embedded one");
        return startEmbedded(dataDir);
    }

    /**
     * Always a dedicated embedded server, for tests that stop and start their own database.
     * With a data folder and port given, a stopped server can be started again on the same data.
     */
    public static LocalPostgres embedded(Path dataDir, int port) {
        try {
            Files.createDirectories(dataDir);
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir.resolve("data"))
                    .setOverrideWorkingDirectory(dataDir.resolve("bin").toFile())
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .start();
            return new LocalPostgres("localhost", pg.getPort(), "postgres", "", pg);
        } catch (IOException e) {
            throw new IllegalStateException("could not start embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    private static LocalPostgres startEmbedded(Path dataDir) {
        try {
            Path dir = dataDir != null ? dataDir : Files.createTempDirectory("verity-pg");
            Files.createDirectories(dir);
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(dir.resolve("data"))
                    .setOverrideWorkingDirectory(dir.resolve("bin").toFile())
                    .setCleanDataDirectory(dataDir == null)
                    .setPort(Endpoints.freePort())
                    .start();
            return new LocalPostgres("localhost", pg.getPort(), "postgres", "", pg);
        } catch (IOException e) {
            throw new IllegalStateException("could not start embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    private static boolean canLogIn(String host, int port, String user, String password) {
        try (Connection ignored = DriverManager.getConnection(
                "jdbc:postgresql://" + host + ":" + port + "/postgres?connectTimeout=3", user, password)) {
            return true;
        } catch (SQLException e) {
            LOG.warning(() -> "PostgreSQL at " + host + ":" + port + " refused login: " + e.getMessage());
            return false;
        }
    }

    /**
     * The named database dropped and created anew: tests start from an empty schema whatever an
     * earlier run (or another branch's migrations) left on a shared server.
     */
    public PostgresEndpoint freshDatabase(String name) {
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("database names are lower-case identifiers: " + name);
        }
        try (Connection connection = DriverManager.getConnection(
                "jdbc:postgresql://" + host + ":" + port + "/postgres", user, password);
             Statement drop = connection.createStatement()) {
            // The name was checked against a strict identifier pattern above.
            drop.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop database " + name + ": " + e.getMessage(), e);
        }
        return database(name);
    }

    /** The named database on this server, created when missing. */
    public PostgresEndpoint database(String name) {
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("database names are lower-case identifiers: " + name);
        }
        try (Connection connection = DriverManager.getConnection(
                "jdbc:postgresql://" + host + ":" + port + "/postgres", user, password)) {
            boolean exists;
            try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                query.setString(1, name);
                try (ResultSet rows = query.executeQuery()) {
                    exists = rows.next();
                }
            }
            if (!exists) {
                try (Statement create = connection.createStatement()) {
                    // The name was checked against a strict identifier pattern above.
                    create.execute("CREATE DATABASE " + name);
                } catch (SQLException e) {
                    // Another process may have created it in between; "duplicate database" is fine.
                    if (!"42P04".equals(e.getSQLState())) {
                        throw e;
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not prepare database " + name + ": " + e.getMessage(), e);
        }
        return new PostgresEndpoint(host, port, name, user, password, embedded != null);
    }

    public int port() {
        return port;
    }

    public boolean embedded() {
        return embedded != null;
    }

    @Override
    public void close() throws IOException {
        if (embedded != null) {
            embedded.close();
        }
    }
}
