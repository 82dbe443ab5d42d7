package dev.verity.local;

/** Where a Redis server answers. */
public record RedisEndpoint(String host, int port, boolean embedded) {

    /** {@code quarkus.redis.hosts}. */
    public String url() {
        return "redis://" + host + ":" + port;
    }
}
