package dev.verity.agent.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.verity.contract.ComponentStatus;
import dev.verity.contract.Problem;
import dev.verity.contract.ServiceStatus;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import java.util.Optional;

/**
 * Reads other services' bodies. Lenient about fields this service does not know, because the
 * other side may add fields to the contract additively; strict about what must be there.
 */
@ApplicationScoped
class Bodies {

    private final ObjectMapper json;
    private final ObjectReader problems;
    private final ObjectReader statuses;

    Bodies(ObjectMapper json) {
        this.json = json;
        this.problems = json.readerFor(Problem.class).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.statuses = json.readerFor(ServiceStatus.class).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    ObjectMapper json() {
        return json;
    }

    Optional<JsonNode> tree(Response response) {
        try {
            String text = response.readEntity(String.class);
            if (text == null || text.isBlank()) {
                return Optional.empty();
            }
            return Optional.of(json.readTree(text));
        } catch (Exception e) {
            Log.debugf("unreadable body (status %d): %s", response.getStatus(), e.getMessage());
            return Optional.empty();
        }
    }

    Optional<JsonNode> tree(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.readTree(text));
        } catch (Exception e) {
            Log.debugf("unreadable body: %s", e.getMessage());
            return Optional.empty();
        }
    }

    <T> Optional<T> read(JsonNode node, Class<T> type) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.readerFor(type).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .readValue(node));
        } catch (Exception e) {
            Log.debugf("body is not a %s: %s", type.getSimpleName(), e.getMessage());
            return Optional.empty();
        }
    }

    Optional<Problem> problem(JsonNode node) {
        if (node == null || !node.hasNonNull("error_type")) {
            return Optional.empty();
        }
        try {
            return Optional.of(problems.readValue(node));
        } catch (Exception e) {
            Log.debugf("problem body not understood: %s", e.getMessage());
            return Optional.empty();
        }
    }

    /** A downstream service's own status, as a component of this service's status. */
    ComponentStatus component(Response response) {
        Optional<ServiceStatus> status = tree(response).flatMap(node -> {
            try {
                return Optional.of(statuses.<ServiceStatus>readValue(node));
            } catch (Exception e) {
                return Optional.empty();
            }
        });
        return status.map(s -> new ComponentStatus(s.status().wire(), s.reason()))
                .orElseGet(() -> new ComponentStatus("unavailable", "status answer not understood (HTTP " + response.getStatus() + ")"));
    }
}
