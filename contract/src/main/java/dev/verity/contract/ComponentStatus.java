package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One dependency inside a service status: {@code state} is {@code up} / {@code down} for
 * PostgreSQL and Redis, and the breaker state ({@code closed} / {@code open} / {@code half_open})
 * for a model. {@code detail} is operator-facing but never holds secrets.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ComponentStatus(
        @JsonProperty("state") String state,
        @JsonProperty("detail") String detail) {

    public static final String UP = "up";
    public static final String DOWN = "down";

    public static ComponentStatus up() {
        return new ComponentStatus(UP, null);
    }

    public static ComponentStatus down(String detail) {
        return new ComponentStatus(DOWN, detail);
    }

    @JsonIgnore
    public boolean isUp() {
        return UP.equals(state);
    }
}
