package dev.verity.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The envelope of every event. {@code clientRef} is echoed for runs started over a
 * WebSocket; {@code eventId} is assigned by whoever persists the event log.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Event(
        @JsonProperty("type") EventType type,
        @JsonProperty("event_id") String eventId,
        @JsonProperty("request_id") String requestId,
        @JsonProperty("user_id") String userId,
        @JsonProperty("timestamp") Instant timestamp,
        @JsonProperty("service") String service,
        @JsonProperty("client_ref") String clientRef,
        @JsonProperty("data") Map<String, Object> data) {

    public Event {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(service, "service");
        data = data == null ? Map.of() : data;
    }

    public Event withEventId(String id) {
        return new Event(type, id, requestId, userId, timestamp, service, clientRef, data);
    }

    public Event withClientRef(String ref) {
        return new Event(type, eventId, requestId, userId, timestamp, service, ref, data);
    }
}
