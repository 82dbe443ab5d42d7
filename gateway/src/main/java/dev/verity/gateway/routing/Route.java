package dev.verity.gateway.routing;

/** The public routes that reach an internal service; names key {@code verity.routes.<name>.*}. */
public enum Route {
    CHAT("chat", "POST /api/v1/chat"),
    COMPLETIONS("completions", "POST /v1/chat/completions"),
    METRICS("metrics", "POST /api/v1/metrics/query"),
    COST_ANALYSIS("cost-analysis", "POST /api/v1/cost-analysis"),
    USAGE("usage", "POST /api/v1/usage");

    private final String configName;
    private final String endpoint;

    Route(String configName, String endpoint) {
        this.configName = configName;
        this.endpoint = endpoint;
    }

    public String configName() {
        return configName;
    }

    /** How a user calls it, for problem alternatives. */
    public String endpoint() {
        return endpoint;
    }
}
