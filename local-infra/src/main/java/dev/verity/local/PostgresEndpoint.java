package dev.verity.local;

/** Where a PostgreSQL database answers, in the forms the services' configuration takes. */
public record PostgresEndpoint(String host, int port, String database, String user, String password, boolean embedded) {

    /** {@code quarkus.datasource.reactive.url}. */
    public String reactiveUrl() {
        return "postgresql://" + host + ":" + port + "/" + database;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }
}
