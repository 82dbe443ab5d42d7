package dev.verity.data.usage;

import dev.verity.contract.FieldError;
import dev.verity.contract.UserContext;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Bulk ingestion of a customer's own call logs: every row valid, or nothing stored. */
@ApplicationScoped
public class UsageIngestion {

    private final UsageStore store;

    public UsageIngestion(UsageStore store) {
        this.store = store;
    }

    /** The outcome of a batch: stored, or rejected with every bad field. */
    public sealed interface Outcome {
    }

    /** {@code stored} new rows; {@code alreadyStored} rows whose id was recorded before (replays). */
    public record Stored(int stored, int alreadyStored) implements Outcome {
    }

    public record Rejected(List<FieldError> errors) implements Outcome {
    }

    public Uni<Outcome> ingest(List<com.fasterxml.jackson.databind.JsonNode> rows, UserContext caller) {
        List<FieldError> errors = new ArrayList<>();
        List<UsageCall> calls = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            UsageValidator.Checked checked = UsageValidator.batchRow(i, rows.get(i), caller.orgId(), caller.userId());
            errors.addAll(checked.errors());
            if (checked.valid()) {
                Integer first = seen.putIfAbsent(checked.call().id(), i);
                if (first != null) {
                    errors.add(new FieldError(i, "id", "repeats the id of row " + first));
                } else {
                    calls.add(checked.call());
                }
            }
        }
        if (!errors.isEmpty()) {
            return Uni.createFrom().item(new Rejected(errors));
        }
        return store.store(calls).map(stored -> new Stored(stored, calls.size() - stored));
    }
}
